/**
 * Notifications of incidents (issue 7), by severity: a webhook (a JSON POST, retried with exponential backoff on
 * network errors, timeouts, 408, 429 and 5xx) and e-mail over SMTP (nodemailer, retried the same way). Each
 * delivery, or the last failure, joins the incident's timeline. The settings are read at each incident, so a change
 * in the UI applies to the next one.
 */
import crypto from "node:crypto";
import nodemailer from "nodemailer";
import type { SecretBox } from "../auth/secret-box";
import type { Db } from "../db";
import { toAppError } from "../errors";
import type { IncidentChange, IncidentStore } from "./store";
import {
  DEFAULT_NOTIFICATION_SETTINGS,
  openStoredSecret,
  readSetting,
  SMTP_PASSWORD_CONTEXT,
  WEBHOOK_SECRET_CONTEXT,
  ZNotificationSettings,
  type TNotificationSettings,
} from "./settings";
import { SEVERITIES, type IncidentView, type Severity } from "./types";

export const NOTIFICATIONS_KEY = "notifications";

export interface NotifierOptions {
  db: Db;
  store: IncidentStore;
  /** First retry delay; doubles for each of the `attempts` (default 1 s, 5 attempts: 1+2+4+8 s of waits). */
  retryBaseMs?: number;
  attempts?: number;
  /** Per-attempt timeout (default 10 s). */
  timeoutMs?: number;
  /** The panel's own address, for the link in a message. */
  panelUrl?: string;
  /** Opens the sealed SMTP password and webhook secret. */
  box?: SecretBox;
  log?: (line: string) => void;
}

export interface DeliveryResult {
  ok: boolean;
  attempts: number;
  detail: string;
}

const atLeast = (severity: string, min: Severity) =>
  SEVERITIES.indexOf(severity as Severity) <= SEVERITIES.indexOf(min);

/** The webhook's body. */
export interface WebhookPayload {
  event: `incident.${IncidentChange["change"]}` | "test";
  incident: IncidentView;
  link: string | null;
  sentAt: string;
}

export class Notifier {
  private unsubscribe: (() => void) | undefined;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly options: NotifierOptions) {}

  start(): void {
    this.unsubscribe = this.options.store.onChange((change) => {
      const p = this.deliver(change).catch((err: unknown) =>
        this.options.log?.(`notify: ${toAppError(err).message}`),
      );
      this.pending.add(p);
      void p.finally(() => this.pending.delete(p));
    });
  }

  stop(): void {
    this.unsubscribe?.();
  }

  /** Resolves when every delivery started so far has ended (tests). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async settings(): Promise<TNotificationSettings> {
    return readSetting(
      this.options.db,
      NOTIFICATIONS_KEY,
      ZNotificationSettings,
      DEFAULT_NOTIFICATION_SETTINGS,
    );
  }

  private async deliver({ change, incident }: IncidentChange): Promise<void> {
    const s = await this.settings();
    const payload = this.payload(`incident.${change}`, incident);
    const jobs: Array<Promise<void>> = [];
    if (s.webhook?.enabled && atLeast(incident.severity, s.webhook.minSeverity))
      jobs.push(
        this.sendWebhook(s.webhook.url, payload, s.webhook.secret).then((r) =>
          this.recordDelivery(incident, "webhook", r),
        ),
      );
    if (s.email?.enabled && atLeast(incident.severity, s.email.minSeverity))
      jobs.push(this.sendEmail(s.email, payload).then((r) => this.recordDelivery(incident, "email", r)));
    await Promise.all(jobs);
  }

  /** "Send test": one message on the channel as configured now (or as given), with every attempt's outcome. */
  async test(channel: "webhook" | "email", settings?: TNotificationSettings): Promise<DeliveryResult> {
    const s = settings ?? (await this.settings());
    const payload = this.payload("test", {
      id: "test",
      kind: "test",
      severity: "info",
      host: null,
      resource: null,
      vm: null,
      jobId: null,
      openedAt: new Date().toISOString(),
      closedAt: null,
      summary: "A test notification from Tandem: this channel works.",
    });
    if (channel === "webhook") {
      if (!s.webhook) return { ok: false, attempts: 0, detail: "no webhook is configured" };
      return this.sendWebhook(s.webhook.url, payload, s.webhook.secret);
    }
    if (!s.email) return { ok: false, attempts: 0, detail: "no e-mail is configured" };
    return this.sendEmail(s.email, payload);
  }

  private payload(event: WebhookPayload["event"], incident: IncidentView): WebhookPayload {
    return {
      event,
      incident,
      link:
        this.options.panelUrl && incident.id !== "test"
          ? `${this.options.panelUrl}/incidents/${incident.id}`
          : null,
      sentAt: new Date().toISOString(),
    };
  }

  private async recordDelivery(incident: IncidentView, channel: string, r: DeliveryResult): Promise<void> {
    await this.options.store.recordFor(incident.id, [
      {
        source: "panel",
        kind: `notify.${channel}`,
        ...(incident.host ? { host: incident.host } : {}),
        ...(incident.resource ? { resource: incident.resource } : {}),
        ...(incident.vm ? { vm: incident.vm } : {}),
        message: `${channel === "webhook" ? "Webhook" : "E-mail"} ${r.ok ? "sent" : "failed"} after ${r.attempts} attempt${r.attempts === 1 ? "" : "s"}: ${r.detail}.`,
      },
    ]);
  }

  /** Retries `attempt` with exponential backoff while it says the failure is worth retrying. */
  private async withRetries(attempt: () => Promise<{ ok: boolean; retry: boolean; detail: string }>) {
    const attempts = this.options.attempts ?? 5;
    let delay = this.options.retryBaseMs ?? 1000;
    let last = { ok: false, retry: false, detail: "not sent" };
    for (let i = 1; i <= attempts; i++) {
      last = await attempt();
      if (last.ok || !last.retry || i === attempts) return { ok: last.ok, attempts: i, detail: last.detail };
      await new Promise((r) => setTimeout(r, delay));
      delay *= 2;
    }
    return { ok: last.ok, attempts, detail: last.detail };
  }

  /**
   * Posts the payload. With a secret, each attempt is signed: `X-Tandem-Timestamp` (Unix seconds) and
   * `X-Tandem-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`, so the receiver can refuse forgeries
   * and replays of old posts.
   */
  async sendWebhook(url: string, payload: WebhookPayload, sealedSecret?: string): Promise<DeliveryResult> {
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    const body = JSON.stringify(payload);
    const secret =
      sealedSecret === undefined
        ? null
        : openStoredSecret(sealedSecret, WEBHOOK_SECRET_CONTEXT, this.options.box);
    return this.withRetries(async () => {
      try {
        const timestamp = String(Math.floor(Date.now() / 1000));
        const signature = secret
          ? {
              "x-tandem-timestamp": timestamp,
              "x-tandem-signature": `sha256=${signWebhook(secret, timestamp, body)}`,
            }
          : {};
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", "user-agent": "Tandem", ...signature },
          body,
          redirect: "manual", // a redirect is an answer, not an invitation to post elsewhere
          signal: AbortSignal.timeout(timeoutMs),
        });
        await res.body?.cancel();
        const ok = res.status >= 200 && res.status < 300;
        return {
          ok,
          retry: res.status === 408 || res.status === 429 || res.status >= 500,
          detail: `HTTP ${res.status}`,
        };
      } catch (err) {
        return { ok: false, retry: true, detail: err instanceof Error ? err.message : String(err) };
      }
    });
  }

  async sendEmail(
    email: NonNullable<TNotificationSettings["email"]>,
    payload: WebhookPayload,
  ): Promise<DeliveryResult> {
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    const transport = nodemailer.createTransport({
      host: email.host,
      port: email.port,
      secure: email.security === "tls",
      requireTLS: email.security === "starttls",
      ignoreTLS: email.security === "none",
      ...(email.user
        ? {
            auth: {
              user: email.user,
              pass: email.password
                ? openStoredSecret(email.password, SMTP_PASSWORD_CONTEXT, this.options.box)
                : "",
            },
          }
        : {}),
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    });
    const i = payload.incident;
    const subject =
      payload.event === "test"
        ? "[Tandem] test notification"
        : `[Tandem] ${i.severity.toUpperCase()} ${i.kind} ${payload.event.replace("incident.", "")}: ${i.host ?? i.resource ?? i.vm ?? ""}`;
    const text = [
      i.summary,
      "",
      `Kind: ${i.kind}`,
      `Severity: ${i.severity}`,
      ...(i.host ? [`Host: ${i.host}`] : []),
      ...(i.resource ? [`Resource: ${i.resource}`] : []),
      ...(i.vm ? [`VM: ${i.vm}`] : []),
      `Opened: ${i.openedAt}`,
      ...(i.closedAt ? [`Closed: ${i.closedAt}`] : []),
      ...(payload.link ? ["", payload.link] : []),
    ].join("\n");
    try {
      return await this.withRetries(async () => {
        try {
          const info = await transport.sendMail({ from: email.from, to: email.to, subject, text });
          return { ok: true, retry: false, detail: info.response };
        } catch (err) {
          const e = err as { responseCode?: number; message?: string };
          // 5xx from the server is a refusal (bad address, auth): retrying does not help.
          const permanent = e.responseCode !== undefined && e.responseCode >= 500;
          return { ok: false, retry: !permanent, detail: e.message ?? String(err) };
        }
      });
    } finally {
      transport.close();
    }
  }
}

/** The webhook signature: hex HMAC-SHA256 of "<timestamp>.<body>" under the shared secret. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return crypto.createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}
