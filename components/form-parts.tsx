"use client";

import type { ReactNode } from "react";
import type { PlannedStep } from "@/lib/runbooks/types";
import type { FieldError } from "@/lib/resources/create";
import { ErrorMessage } from "./error-message";
import { Name } from "./i18n/term";
import { StepLabel } from "./job-texts";

/** A labelled input with a sentence of help under it. */
export function Field({ label, help, children }: { label: string; help: string; children: ReactNode }) {
  return (
    <div>
      <label className="block font-medium">
        {label} {children}
      </label>
      <p className="text-sm text-slate-600">{help}</p>
    </div>
  );
}

/**
 * The refusals whose field matches `pattern`, each with its field (by the form's label for it, in the reader's
 * language, when the form has one) and the server's message.
 */
export function FieldErrors({
  errors,
  pattern,
  testId,
  labelOf,
}: {
  errors: FieldError[];
  pattern: RegExp;
  testId: string;
  labelOf?: (field: string) => string | null;
}) {
  return (
    <>
      {errors
        .filter((e) => pattern.test(e.field))
        .map((e) => (
          <p
            key={`${e.field}:${e.message}`}
            role="alert"
            data-testid={testId}
            data-field={e.field}
            className="text-sm text-red-700"
          >
            {labelOf?.(e.field) ?? <Name>{e.field}</Name>}:{" "}
            <ErrorMessage error={{ code: null, message: e.message }} />
          </p>
        ))}
    </>
  );
}

/** A job's plan before it runs: each step as a sentence, with the commands it will make the agent run. */
export function PlanSteps({ steps, testId }: { steps: PlannedStep[]; testId: string }) {
  return (
    <ol className="list-decimal pl-5 text-sm" data-testid={testId}>
      {steps.map((s) => (
        <li key={s.key}>
          <StepLabel name={s.name} host={s.host} params={s.params} />
          {s.commands.map((c) => (
            <code key={c.join(" ")} translate="no" className="ml-2 text-xs text-slate-500">
              {c.join(" ")}
            </code>
          ))}
        </li>
      ))}
    </ol>
  );
}

/** Warnings a dry run found, shown before anything is applied. */
export function Warnings({ warnings }: { warnings: string[] }) {
  if (warnings.length === 0) return null;
  return (
    <ul className="list-disc rounded bg-amber-50 p-2 pl-6 text-sm text-amber-900" data-testid="warnings">
      {warnings.map((w) => (
        <li key={w}>
          <ErrorMessage error={{ code: null, message: w }} />
        </li>
      ))}
    </ul>
  );
}
