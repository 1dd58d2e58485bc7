/**
 * S10: the audit trail. Entries carry who, what, target, when (UTC), from where and the result; the database
 * refuses updates and deletes; a hand edit (after dropping the triggers) is caught by `npm run audit:verify`, as
 * is a deleted entry in the middle or at the end; each entry reaches a syslog server as RFC 5424 over UDP.
 */
import { spawnSync } from "node:child_process";
import dgram from "node:dgram";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { forwardAuditToSyslog } from "../../lib/audit/syslog";
import { writeSetting } from "../../lib/monitor/settings";
import { createTempSimFarm, ROOT, type TempSimFarm } from "../helpers/sim";
import { callRoute, importRoute, startAuthPanel, type AuthPanel } from "../helpers/auth";

let farm: TempSimFarm;
let panel: AuthPanel;

beforeAll(async () => {
  farm = createTempSimFarm();
  panel = await startAuthPanel(farm);
});
afterAll(async () => {
  await panel?.stop();
  farm?.remove();
});

const verifyCli = () =>
  spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts/tandem.ts"), "audit-verify"], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: `file:${path.join(farm.dir, "tandem.db")}`,
      TANDEM_DATA_DIR: farm.dir,
    },
    encoding: "utf8",
  });

/** A hand edit of the database file, as someone with a shell on the panel's machine could do. */
const sql = (statement: string) => {
  const db = new Database(path.join(farm.dir, "tandem.db"));
  try {
    db.exec(statement);
  } finally {
    db.close();
  }
};

describe("the audit trail", () => {
  it("records a change with who, what, target, when, where and the result, and a refusal", async () => {
    const handler = (await importRoute(`${ROOT}/app/api/settings/history/route.ts`)).PUT!;
    const cookie = await panel.signIn("admin");
    expect(
      (await callRoute(handler, "PUT", "/api/settings/history", { cookie, body: { retentionDays: 9 } }))
        .status,
    ).toBe(200);
    expect(
      (
        await callRoute(handler, "PUT", "/api/settings/history", {
          cookie: await panel.signIn("viewer"),
          body: { retentionDays: 1 },
        })
      ).status,
    ).toBe(403);
    const entries = await panel.db.auditEntry.findMany({
      where: { action: "PUT /api/settings/history" },
      orderBy: { seq: "asc" },
    });
    expect(entries.map((e) => [e.actor, e.result, e.address])).toEqual([
      ["admin", "ok", "10.0.0.9"],
      ["viewer", "refused", "10.0.0.9"],
    ]);
    expect(Math.abs(entries[0]!.at.getTime() - Date.now())).toBeLessThan(60_000);
    expect(entries[1]!.detail).toMatch(/^403 FORBIDDEN/);
  });

  it("cannot be changed through the database's front door: updates and deletes are refused", async () => {
    const before = await panel.db.auditEntry.findMany();
    // (The driver adapter reports the trigger's RAISE as a constraint violation.)
    await expect(panel.db.auditEntry.updateMany({ data: { actor: "mallory" } })).rejects.toThrow();
    await expect(panel.db.auditEntry.deleteMany({})).rejects.toThrow();
    expect(await panel.db.auditEntry.findMany()).toEqual(before);
  });

  it("verifies intact, then catches a hand-edited entry, a deleted entry and a cut-off end", async () => {
    for (let i = 0; i < 5; i++)
      await panel.audit.append({ actor: "test", action: `step ${i}`, address: "local", result: "ok" });
    const intact = verifyCli();
    expect(intact.status, intact.stderr).toBe(0);
    expect(intact.stdout).toMatch(/audit trail intact: \d+ entries/);

    sql(`DROP TRIGGER "AuditEntry_no_update"; DROP TRIGGER "AuditEntry_no_delete";`);
    const victim = (await panel.db.auditEntry.findFirstOrThrow({ where: { action: "step 2" } })).seq;
    sql(`UPDATE "AuditEntry" SET "result" = 'refused' WHERE "seq" = ${victim}`);
    const edited = verifyCli();
    expect(edited.status).toBe(1);
    expect(edited.stderr).toContain(`BROKEN at entry ${victim}: entry ${victim} was altered`);
    sql(`UPDATE "AuditEntry" SET "result" = 'ok' WHERE "seq" = ${victim}`);
    expect(verifyCli().status).toBe(0);

    // Re-hashing the edited entry does not help: the next entry no longer chains onto it.
    const { entryHash } = await import("../../lib/audit/log");
    const row = await panel.db.auditEntry.findUniqueOrThrow({ where: { seq: victim } });
    const forged = entryHash({ ...row, actor: "someone else" });
    sql(`UPDATE "AuditEntry" SET "actor" = 'someone else', "hash" = '${forged}' WHERE "seq" = ${victim}`);
    expect(verifyCli().stderr).toContain(`entry ${victim + 1} does not chain onto entry ${victim}`);
    sql(`UPDATE "AuditEntry" SET "actor" = '${row.actor}', "hash" = '${row.hash}' WHERE "seq" = ${victim}`);

    const last = (await panel.db.auditEntry.findFirstOrThrow({ orderBy: { seq: "desc" } })).seq;
    sql(`DELETE FROM "AuditEntry" WHERE "seq" = ${last}`);
    const cut = verifyCli();
    expect(cut.status).toBe(1);
    expect(cut.stderr).toContain(`were removed`);

    sql(`DELETE FROM "AuditEntry" WHERE "seq" = ${victim}`);
    expect(verifyCli().stderr).toContain(`entry ${victim} is missing`);
  }, 180_000);
});

describe("shipping to syslog", () => {
  it("sends each new entry as RFC 5424 (facility 13) with the entry as one JSON line", async () => {
    const server = dgram.createSocket("udp4");
    const received: string[] = [];
    server.on("message", (m) => received.push(m.toString("utf8")));
    await new Promise<void>((resolve) => server.bind(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    await writeSetting(panel.db, "audit", { syslog: { host: "127.0.0.1", port } });
    const stop = forwardAuditToSyslog(panel.audit, panel.db, () => undefined);
    try {
      await panel.audit.append({
        actor: "ada\nforged line",
        action: "test.syslog",
        address: "local",
        result: "refused",
      });
      for (let i = 0; i < 50 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(received).toHaveLength(1);
      const msg = received[0]!;
      expect(msg).toMatch(/^<108>1 \d{4}-\d\d-\d\dT[\d:.]+Z \S+ tandem - audit - \{/);
      expect(msg.split("\n")).toHaveLength(1);
      expect(JSON.parse(msg.slice(msg.indexOf("{")))).toMatchObject({
        actor: "ada\nforged line",
        result: "refused",
      });
    } finally {
      stop();
      server.close();
    }
  });
});
