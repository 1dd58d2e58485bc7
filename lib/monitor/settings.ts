/**
 * Settings changed from the UI (notifications, history retention), kept in the Setting table as JSON and validated
 * on the way in and out: a stored value that no longer validates reads as the default.
 */
import { z } from "zod";
import type { Db } from "../db";
import type { SecretBox } from "../auth/secret-box";
import { SEVERITIES } from "./types";

export const ZHistorySettings = z
  .object({
    /** Days of state history (memory, sync progress samples) kept; incidents and their timelines are kept. */
    retentionDays: z.number().int().min(1, "must be at least 1 day").max(3650, "must be at most 3650 days"),
  })
  .strict();
export type THistorySettings = z.infer<typeof ZHistorySettings>;
export const DEFAULT_HISTORY_SETTINGS: THistorySettings = { retentionDays: 30 };

const ZSeverity = z.enum(SEVERITIES);

export const ZWebhookSettings = z
  .object({
    enabled: z.boolean(),
    url: z
      .url({ protocol: /^https?$/, message: "must be an http:// or https:// URL" })
      .max(2000, "must be at most 2000 characters"),
    /** Incidents at least this severe are sent. */
    minSeverity: ZSeverity,
    /**
     * Write-only: the shared secret the receiver checks each post with (`X-Tandem-Signature`, HMAC-SHA256 of
     * `<X-Tandem-Timestamp>.<body>`). Kept sealed; the API says only whether one is set (`secretSet`).
     */
    secret: z.string().min(16, "must be at least 16 characters").max(200).optional(),
  })
  .strict();

const ZEmailAddress = z.email("must be an e-mail address");
export const ZEmailSettings = z
  .object({
    enabled: z.boolean(),
    host: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9.-]{0,252}$/, "must be a host name or IPv4 address"),
    port: z.number().int().min(1, "must be a port (1-65535)").max(65535, "must be a port (1-65535)"),
    /** "tls": TLS from the start (465); "starttls": upgrade required (587); "none": plain (a local relay). */
    security: z.enum(["tls", "starttls", "none"]),
    user: z.string().max(200).optional(),
    /** Write-only: never returned by the API (`passwordSet` says whether one is stored). */
    password: z.string().max(200).optional(),
    from: ZEmailAddress,
    to: z.array(ZEmailAddress).min(1, "must name at least one recipient").max(20),
    minSeverity: ZSeverity,
  })
  .strict();

export const ZNotificationSettings = z
  .object({ webhook: ZWebhookSettings.nullable(), email: ZEmailSettings.nullable() })
  .strict();
export type TNotificationSettings = z.infer<typeof ZNotificationSettings>;
export const DEFAULT_NOTIFICATION_SETTINGS: TNotificationSettings = { webhook: null, email: null };

export async function readSetting<T>(db: Db, key: string, schema: z.ZodType<T>, fallback: T): Promise<T> {
  const row = await db.setting.findUnique({ where: { key } });
  if (!row) return fallback;
  try {
    const parsed = schema.safeParse(JSON.parse(row.valueJson));
    return parsed.success ? parsed.data : fallback;
  } catch {
    return fallback;
  }
}

export async function writeSetting(db: Db, key: string, value: unknown): Promise<void> {
  const valueJson = JSON.stringify(value);
  await db.setting.upsert({ where: { key }, create: { key, valueJson }, update: { valueJson } });
}

/** The notification settings as the API shows them: the SMTP password and webhook secret replaced by whether one is stored. */
export function redactNotifications(s: TNotificationSettings) {
  return {
    webhook: s.webhook
      ? {
          ...Object.fromEntries(Object.entries(s.webhook).filter(([k]) => k !== "secret")),
          secretSet: !!s.webhook.secret,
        }
      : null,
    email: s.email
      ? {
          ...Object.fromEntries(Object.entries(s.email).filter(([k]) => k !== "password")),
          passwordSet: !!s.email.password,
        }
      : null,
  };
}

/** Where a sealed secret of the notification settings belongs (bound into its seal). */
export const SMTP_PASSWORD_CONTEXT = "notifications:smtp-password";
export const WEBHOOK_SECRET_CONTEXT = "notifications:webhook-secret";

/**
 * The settings to store: a new SMTP password or webhook secret sealed (lib/auth/secret-box.ts), one left out kept
 * as stored. The database never holds them in clear.
 */
export function sealNotificationSecrets(
  next: TNotificationSettings,
  stored: TNotificationSettings,
  box: Pick<SecretBox, "seal">,
): TNotificationSettings {
  const email = next.email && {
    ...next.email,
    ...(next.email.password !== undefined
      ? { password: box.seal(next.email.password, SMTP_PASSWORD_CONTEXT) }
      : stored.email?.password !== undefined
        ? { password: stored.email.password }
        : {}),
  };
  const webhook = next.webhook && {
    ...next.webhook,
    ...(next.webhook.secret !== undefined
      ? { secret: box.seal(next.webhook.secret, WEBHOOK_SECRET_CONTEXT) }
      : stored.webhook?.secret !== undefined
        ? { secret: stored.webhook.secret }
        : {}),
  };
  return { webhook, email };
}

/** A stored secret in clear: opened when sealed; one stored before sealing existed (issue 7) is used as it is. */
export function openStoredSecret(
  value: string,
  context: string,
  box: Pick<SecretBox, "open"> | undefined,
): string {
  if (!value.startsWith("v1:")) return value;
  if (!box) throw new Error("a sealed secret and no key to open it");
  return box.open(value, context);
}
