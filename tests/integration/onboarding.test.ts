/**
 * Host onboarding over real SSH (OpenSSH sshd on 127.0.0.1), through the routes as an administrator would: the
 * key is read without trusting it, pinned only with the fingerprint confirmed, the panel's key pair made and sealed
 * (S5: the database holds only ciphertext), the authorized_keys line installed on the "host", the connection
 * tested (the agent answers); then the host's key is swapped: refused, marked, and re-pinned only with the new
 * fingerprint confirmed. S11: the scan needs an administrator with step-up.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTempSimFarm, DIST, ROOT, type TempSimFarm } from "../helpers/sim";
import { startSshd, type SshdHandle } from "../helpers/sshd";
import { callRoute, importRoute, startAuthPanel, type AuthPanel, type Method } from "../helpers/auth";

let farm: TempSimFarm;
let panel: AuthPanel;
let sshd: SshdHandle;

beforeAll(async () => {
  farm = createTempSimFarm();
  panel = await startAuthPanel(farm);
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.stop();
  await panel?.stop();
  farm?.remove();
});

const route = async (p: string, method: Method) => {
  const handler = (await importRoute(`${ROOT}/app${p}/route.ts`))[method]!;
  return (opts: Parameters<typeof callRoute>[3] = {}) => callRoute(handler, method, p, opts);
};

describe("onboarding a host", () => {
  it("scan, confirm, key pair, authorized_keys, test; a swapped key is refused and re-pinned only when confirmed", async () => {
    const admin = await panel.signIn("admin");
    const request = {
      name: "xen3",
      address: "127.0.0.1",
      port: sshd.port,
      user: sshd.username,
      agentPath: path.join(DIST, "tandem-agent.js"),
      nodePath: process.execPath,
    };
    // S11: an operator cannot make the panel connect anywhere; nor can an admin without step-up.
    const scan = await route("/api/onboarding", "POST");
    expect((await scan({ cookie: await panel.signIn("operator"), body: request })).status).toBe(403);
    const stale = await panel.signIn("admin", { stepUp: false });
    expect((await scan({ cookie: stale, body: request })).body).toMatchObject({
      error: { code: "STEP_UP_REQUIRED" },
    });
    // Bad input names the field.
    const bad = await scan({ cookie: admin, body: { ...request, address: "127.0.0.1:22; rm -rf /" } });
    expect(bad.body).toMatchObject({ error: { details: { field: "address" } } });

    const scanned = await scan({ cookie: admin, body: request });
    expect(scanned.status, scanned.text).toBe(201);
    expect(scanned.body).toMatchObject({
      host: {
        status: "scanned",
        presented: { algorithm: "ssh-ed25519", fingerprint: sshd.hostKeySha256 },
        pinned: null,
      },
    });
    // sshd saw no authentication attempt: the key was refused before any.
    expect(sshd.log()).not.toMatch(/Accepted|Failed publickey/);

    const pin = await route("/api/onboarding/[name]/pin", "POST");
    const wrongFp = "SHA256:" + Buffer.alloc(32, 3).toString("base64").replace(/=+$/, "");
    const wrong = await pin({ cookie: admin, params: { name: "xen3" }, body: { fingerprint: wrongFp } });
    expect(wrong.body).toMatchObject({
      error: { details: { field: "fingerprint", rule: "must match the key the host presented" } },
    });
    const pinned = await pin({
      cookie: admin,
      params: { name: "xen3" },
      body: { fingerprint: sshd.hostKeySha256 },
    });
    expect(pinned.status, pinned.text).toBe(200);
    const line = (pinned.body as { authorizedKeysLine: string }).authorizedKeysLine;
    expect(line).toMatch(
      /^restrict,from="127\.0\.0\.1",command="\S+ \S+tandem-agent\.js serve" ssh-ed25519 \S+ tandem-panel@xen3$/,
    );
    expect(pinned.text).not.toMatch(/PRIVATE KEY/);

    // S5: the database file holds the private key only sealed.
    const dbFile = path.join(farm.dir, "tandem.db");
    const raw = new Database(dbFile, { readonly: true });
    const row = raw
      .prepare(`SELECT "privateKeySealed", "publicKey" FROM "ManagedHost" WHERE "name" = 'xen3'`)
      .get() as {
      privateKeySealed: string;
      publicKey: string;
    };
    raw.close();
    expect(row.privateKeySealed).toMatch(/^v1:/);
    expect(fs.readFileSync(dbFile).toString("latin1")).not.toContain("OPENSSH PRIVATE KEY");
    const list = await (await route("/api/onboarding", "GET"))({ cookie: admin });
    expect(list.text).not.toContain(row.privateKeySealed);
    expect(list.text).not.toMatch(/PRIVATE KEY/);

    // The administrator adds the line on the host; the panel's test reaches the agent through the forced command.
    fs.appendFileSync(
      path.join(sshd.dir, "authorized_keys"),
      line.replace('serve"', 'serve --hypervisor xen-xl"') + "\n",
    );
    const test = await route("/api/onboarding/[name]/test", "POST");
    const ok = await test({ cookie: admin, params: { name: "xen3" } });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body).toMatchObject({
      host: { status: "ready", lastTestResult: expect.stringMatching(/^agent \d/) },
    });

    // The host's key is swapped (same address and port, another host key).
    const port = sshd.port;
    await sshd.stop();
    sshd = await startSshd({ port, authorizedKeys: [line.replace('serve"', 'serve --hypervisor xen-xl"')] });
    const refused = await test({ cookie: admin, params: { name: "xen3" } });
    expect(refused.status).toBe(502);
    expect(refused.body).toMatchObject({ error: { code: "HOST_KEY_CHANGED" } });
    expect(sshd.log()).not.toMatch(/Accepted publickey/);
    const rescan = await route("/api/onboarding/[name]/rescan", "POST");
    const again = await rescan({ cookie: admin, params: { name: "xen3" } });
    expect(again.body).toMatchObject({
      changed: true,
      host: { status: "key-changed", presented: { fingerprint: sshd.hostKeySha256 } },
    });
    // The old fingerprint no longer pins anything; the new one, confirmed, does; the panel's key pair is kept.
    expect(
      (
        await pin({
          cookie: admin,
          params: { name: "xen3" },
          body: {
            fingerprint:
              scanned.body &&
              (scanned.body as { host: { presented: { fingerprint: string } } }).host.presented.fingerprint,
          },
        })
      ).status,
    ).toBe(400);
    const repinned = await pin({
      cookie: admin,
      params: { name: "xen3" },
      body: { fingerprint: sshd.hostKeySha256 },
    });
    expect((repinned.body as { authorizedKeysLine: string }).authorizedKeysLine).toBe(line);
    expect((await test({ cookie: admin, params: { name: "xen3" } })).body).toMatchObject({
      host: { status: "ready" },
    });
    // Every step is in the audit trail.
    const actions = (
      await panel.db.auditEntry.findMany({ where: { action: { contains: "/api/onboarding" } } })
    ).map((e) => `${e.action} ${e.result}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        "POST /api/onboarding ok",
        "POST /api/onboarding/xen3/pin ok",
        "POST /api/onboarding/xen3/test failed",
        "POST /api/onboarding/xen3/rescan ok",
      ]),
    );
  }, 90_000);
});

describe("installing the agent while onboarding", () => {
  it("through the one-hour bootstrap line: the agent uploaded and checked, the line replaced by the restricted one, the connection tested", async () => {
    const host = await startSshd();
    try {
      const admin = await panel.signIn("admin");
      const agentPath = path.join(host.dir, "lib", "tandem-agent.js");
      const scan = await route("/api/onboarding", "POST");
      const scanned = await scan({
        cookie: admin,
        body: {
          name: "xen4",
          address: "127.0.0.1",
          port: host.port,
          user: host.username,
          agentPath,
          nodePath: process.execPath,
        },
      });
      expect(scanned.status, scanned.text).toBe(201);
      const pin = await route("/api/onboarding/[name]/pin", "POST");
      const pinned = (
        await pin({ cookie: admin, params: { name: "xen4" }, body: { fingerprint: host.hostKeySha256 } })
      ).body as { authorizedKeysLine: string; bootstrapLine: string };
      expect(pinned.bootstrapLine).toMatch(
        /^restrict,from="127\.0\.0\.1",expiry-time="\d{12}Z" ssh-ed25519 \S+ tandem-panel-bootstrap@xen4$/,
      );
      const keysFile = path.join(host.dir, "authorized_keys");
      fs.appendFileSync(keysFile, pinned.bootstrapLine + "\n");

      const install = await route("/api/onboarding/[name]/install", "POST");
      // Without the bootstrap line's file, or with a path that climbs out, nothing is changed.
      const climbing = await install({
        cookie: admin,
        params: { name: "xen4" },
        body: { authorizedKeysPath: "../../etc/passwd" },
      });
      expect(climbing.body).toMatchObject({ error: { details: { field: "authorizedKeysPath" } } });
      const done = await install({
        cookie: admin,
        params: { name: "xen4" },
        body: { authorizedKeysPath: keysFile },
      });
      expect(done.status, done.text).toBe(200);
      expect(done.body).toMatchObject({ host: { status: "ready" } });
      // The agent on the "host" is the panel's bundle, byte for byte.
      expect(fs.readFileSync(agentPath).equals(fs.readFileSync(path.join(DIST, "tandem-agent.js")))).toBe(
        true,
      );
      // The bootstrap line is gone; the restricted one took its place (the other keys are untouched).
      const keys = fs.readFileSync(keysFile, "utf8");
      expect(keys).not.toContain("tandem-panel-bootstrap@xen4");
      expect(keys).toContain(pinned.authorizedKeysLine);
      expect(keys).toContain(host.clientKey.publicKey);
    } finally {
      await host.stop();
    }
  }, 90_000);
});
