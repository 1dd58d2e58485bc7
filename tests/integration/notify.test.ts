/**
 * Notifications (issue 7) to a real HTTP receiver and a real SMTP server (smtp-server) on this machine: an
 * incident that opens and closes is posted as JSON and mailed, by severity; a receiver that fails twice gets the
 * third attempt; a refused address is not retried; each delivery joins the incident's timeline.
 */
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../lib/db";
import { IncidentStore } from "../../lib/monitor/store";
import { Notifier, NOTIFICATIONS_KEY, signWebhook, type WebhookPayload } from "../../lib/monitor/notify";
import {
  sealNotificationSecrets,
  writeSetting,
  type TNotificationSettings,
} from "../../lib/monitor/settings";
import { SecretBox } from "../../lib/auth/secret-box";
import { createTempSimFarm, type TempSimFarm } from "../helpers/sim";
import { migratedDb } from "../helpers/runbooks";

let farm: TempSimFarm;
let db: Db;
let store: IncidentStore;
let notifier: Notifier;
let hook: http.Server;
let smtp: SMTPServer;
const received: Array<{
  status: number;
  body: WebhookPayload;
  raw: string;
  headers: http.IncomingHttpHeaders;
}> = [];
const auths: Array<{ username: string; password: string }> = [];
const box = SecretBox.fromKey(crypto.randomBytes(32));
const mails: Array<{ from: string; to: string[]; text: string }> = [];
/** The receiver answers these statuses in turn, then 200. */
let answers: number[] = [];

beforeAll(async () => {
  farm = createTempSimFarm();
  db = migratedDb(farm);
  store = new IncidentStore(db);
  await store.load();
  notifier = new Notifier({ db, store, box, retryBaseMs: 50, attempts: 4, timeoutMs: 2_000 });
  notifier.start();
  hook = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const status = answers.shift() ?? 200;
      received.push({ status, body: JSON.parse(body) as WebhookPayload, raw: body, headers: req.headers });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
  smtp = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    onAuth(auth, _session, cb) {
      auths.push({ username: auth.username ?? "", password: auth.password ?? "" });
      cb(null, { user: auth.username });
    },
    onRcptTo(address, _session, cb) {
      if (address.address.endsWith("@refused.example"))
        cb(Object.assign(new Error("no such user"), { responseCode: 550 }));
      else cb();
    },
    onData(stream, session, cb) {
      let text = "";
      stream.on("data", (c: Buffer) => (text += c.toString()));
      stream.on("end", () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          text,
        });
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, "127.0.0.1", r));
}, 30_000);
afterAll(async () => {
  notifier?.stop();
  hook?.close();
  await new Promise<void>((r) => (smtp ? smtp.close(r) : r()));
  await db?.$disconnect();
  farm?.remove();
});

const settings = (patch: Partial<TNotificationSettings> = {}): TNotificationSettings => ({
  webhook: {
    enabled: true,
    url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/tandem`,
    minSeverity: "major",
  },
  email: {
    enabled: true,
    host: "127.0.0.1",
    port: (smtp.server.address() as AddressInfo).port,
    security: "none",
    from: "tandem@farm.example",
    to: ["oncall@farm.example"],
    minSeverity: "critical",
  },
  ...patch,
});
const noMatch = () => false;

describe("incident notifications", () => {
  it("posts an incident that opens and closes, retrying a receiver that fails twice; mails a critical one", async () => {
    await writeSetting(db, NOTIFICATIONS_KEY, settings());
    answers = [503, 500];
    await store.reconcile(
      [{ key: "host:xen1", kind: "host-down", severity: "critical", host: "xen1", summary: "xen1 is down." }],
      noMatch,
    );
    await notifier.idle();
    expect(received.map((r) => r.status)).toEqual([503, 500, 200]);
    expect(received[2]!.body).toMatchObject({
      event: "incident.opened",
      incident: {
        kind: "host-down",
        severity: "critical",
        host: "xen1",
        summary: "xen1 is down.",
        closedAt: null,
      },
    });
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ from: "tandem@farm.example", to: ["oncall@farm.example"] });
    expect(mails[0]!.text).toContain("Subject: [Tandem] CRITICAL host-down opened: xen1");
    expect(mails[0]!.text).toContain("xen1 is down.");

    await store.reconcile([], noMatch);
    await notifier.idle();
    expect(received.at(-1)!.body.event).toBe("incident.closed");
    expect(received.at(-1)!.body.incident.closedAt).not.toBeNull();
    const id = received[2]!.body.incident.id;
    const timeline = (await store.get(id))!.timeline.map((e) => e.message);
    expect(timeline).toEqual(
      expect.arrayContaining([
        "Webhook sent after 3 attempts: HTTP 200.",
        expect.stringMatching(/^E-mail sent after 1 attempt: 250/),
      ]),
    );
  });

  it("sends nothing below a channel's minimum severity", async () => {
    const before = { hooks: received.length, mails: mails.length };
    await store.reconcile(
      [{ key: "memory:xen2", kind: "memory-pressure", severity: "warning", host: "xen2", summary: "low" }],
      noMatch,
    );
    await notifier.idle();
    expect({ hooks: received.length, mails: mails.length }).toEqual(before);
    await store.reconcile([], noMatch);
  });

  it("does not retry a receiver's refusal (4xx) nor an SMTP 550, and says so on the timeline", async () => {
    await writeSetting(
      db,
      NOTIFICATIONS_KEY,
      settings({
        email: { ...settings().email!, to: ["nobody@refused.example"] },
      }),
    );
    answers = [404];
    const hooksBefore = received.length;
    await store.reconcile(
      [{ key: "vm:web1", kind: "vm-crashed", severity: "critical", vm: "web1", summary: "web1 crashed." }],
      noMatch,
    );
    await notifier.idle();
    expect(received.length - hooksBefore).toBe(1);
    const id = received.at(-1)!.body.incident.id;
    const timeline = (await store.get(id))!.timeline.map((e) => e.message);
    expect(timeline).toEqual(
      expect.arrayContaining([
        "Webhook failed after 1 attempt: HTTP 404.",
        expect.stringMatching(/^E-mail failed after 1 attempt: .*550/),
      ]),
    );
    await store.reconcile([], noMatch);
    await notifier.idle();
  });

  it("a receiver that never answers is given up after the attempts, and the test button reports it", async () => {
    const dead = http.createServer(() => undefined); // accepts, never answers
    await new Promise<void>((r) => dead.listen(0, "127.0.0.1", r));
    const quick = new Notifier({ db, store, retryBaseMs: 10, attempts: 2, timeoutMs: 300 });
    const url = `http://127.0.0.1:${(dead.address() as AddressInfo).port}/`;
    const result = await quick.test(
      "webhook",
      settings({ webhook: { enabled: true, url, minSeverity: "info" } }),
    );
    dead.closeAllConnections();
    dead.close();
    expect(result.ok).toBe(false);
    expect(result.attempts).toBe(2);
    expect(result.detail).toMatch(/timeout|aborted/i);
    const ok = await quick.test("webhook", settings());
    expect(ok).toEqual({ ok: true, attempts: 1, detail: "HTTP 200" });
    expect(received.at(-1)!.body.event).toBe("test");
  });
});

describe("secrets of the notification settings", () => {
  it("are stored sealed (S5), the SMTP login uses the opened password, and each webhook post is signed", async () => {
    const password = "smtp password in clear";
    const secret = "webhook shared secret 0123456789";
    const next = settings({
      webhook: { ...settings().webhook!, secret, minSeverity: "info" },
      email: { ...settings().email!, user: "tandem", password, minSeverity: "info" },
    });
    await writeSetting(db, NOTIFICATIONS_KEY, sealNotificationSecrets(next, settings(), box));
    const row = await db.setting.findUniqueOrThrow({ where: { key: NOTIFICATIONS_KEY } });
    expect(row.valueJson).not.toContain(password);
    expect(row.valueJson).not.toContain(secret);
    // Saving again without them keeps the sealed ones.
    const kept = sealNotificationSecrets(settings(), JSON.parse(row.valueJson) as TNotificationSettings, box);
    expect(kept.email?.password).toBe((JSON.parse(row.valueJson) as TNotificationSettings).email?.password);

    const hooksBefore = received.length;
    const mailsBefore = mails.length;
    expect((await notifier.test("webhook")).ok).toBe(true);
    expect((await notifier.test("email")).ok).toBe(true);
    expect(mails.length).toBe(mailsBefore + 1);
    expect(auths.at(-1)).toEqual({ username: "tandem", password });
    const post = received[hooksBefore]!;
    const timestamp = post.headers["x-tandem-timestamp"] as string;
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
    expect(post.headers["x-tandem-signature"]).toBe(`sha256=${signWebhook(secret, timestamp, post.raw)}`);
    expect(post.headers["x-tandem-signature"]).not.toBe(
      `sha256=${signWebhook("another secret 0123456789", timestamp, post.raw)}`,
    );
    await writeSetting(db, NOTIFICATIONS_KEY, settings());
  });
});
