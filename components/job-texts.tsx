"use client";

import { useTranslations } from "next-intl";
import type { StepName } from "@/lib/runbooks/types";
import { PLAN_RULES } from "@/lib/runbooks/rules";
import { REFUSAL_RULES } from "@/lib/runbooks/promotion";

const RULES: ReadonlySet<string> = new Set([...PLAN_RULES, ...REFUSAL_RULES]);

/** Why a runbook or a step was refused, in the reader's language (the English evidence follows it). */
export function RuleText({ rule, host }: { rule: string; host: string }) {
  const t = useTranslations("runbook.rule");
  return <strong>{RULES.has(rule) ? t(rule as "other", { host }) : t("other", { rule })}</strong>;
}

/** A step as a sentence: "Promote r1 on xen2", "Start db1 on xen2 with 512 MiB". */
export function StepLabel({
  name,
  host,
  params,
}: {
  name: StepName;
  host: string;
  params: Record<string, string | number | boolean>;
}) {
  const t = useTranslations("job.step");
  const values = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]));
  return <span>{t(name, { ...values, host })}</span>;
}
