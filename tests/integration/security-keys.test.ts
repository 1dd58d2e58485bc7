/**
 * S6, security keys (WebAuthn) beside the authenticator app, against the real route handlers, @simplewebauthn's
 * checks and a real database; the key is a software authenticator (tests/helpers/soft-key.ts) that puts on the wire
 * what a USB key would. Negative cases: a key without the app, without step-up, a replayed answer, another key, a
 * cloned key (counter not moving forward), another origin, a skipped password step, another user's key id.
 */
import crypto from "node:crypto";
import { Secret, TOTP } from "otpauth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { relyingParty } from "../../lib/auth/security-keys";
import { cookieOf, route, PASSWORD, startAuthPanel, type AuthPanel } from "../helpers/auth";
import { createTempSimFarm, type TempSimFarm } from "../helpers/sim";
import { SoftKey } from "../helpers/soft-key";

let farm: TempSimFarm;
let panel: AuthPanel;
const ORIGIN = "http://panel";
type Options = {
  challenge: string;
  rp: { id: string };
  rpId: string;
  allowCredentials?: Array<{ id: string }>;
};

/** Turns two-factor on for `userId` with the app (what the account page does). */
async function enableTotp(userId: string): Promise<void> {
  const { secret } = await panel.auth.beginTotp(userId);
  const code = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate();
  await panel.auth.confirmTotp(userId, code, "10.0.0.9");
}

const key = new SoftKey();

/**
 * A signed-in session for a two-factor account, as if its code had been given (the code path is tested in
 * auth-sessions.test.ts; a TOTP step works only once, so tests would wait 30 s between sign-ins).
 */
async function signedIn(username: "operator" | "admin" | "viewer", opts: { stepUp?: boolean } = {}) {
  const { sessionToken } = await panel.auth.signIn(
    { username, password: PASSWORD },
    { address: "10.0.0.9", userAgent: "vitest" },
  );
  await panel.db.session.update({
    where: { id: crypto.createHash("sha256").update(sessionToken).digest("hex") },
    data: { stage: "full", ...(opts.stepUp === false ? {} : { stepUpAt: new Date() }) },
  });
  return sessionToken;
}

beforeAll(async () => {
  farm = createTempSimFarm();
  panel = await startAuthPanel(farm, { addressLimit: 1000 });
  await enableTotp(panel.users.operator);
});
afterAll(async () => {
  await panel?.stop();
  farm?.remove();
});

describe("registering a security key", () => {
  it("needs the authenticator app first, and step-up", async () => {
    const options = await route("/api/auth/keys/options", "POST");
    const viewer = await options({ cookie: await signedIn("viewer") });
    expect(viewer.status, viewer.text).toBe(409);
    expect(viewer.text).toMatch(/authenticator app first/);
    const noStepUp = await options({ cookie: await signedIn("operator", { stepUp: false }) });
    expect(noStepUp.status).toBe(403);
    expect(noStepUp.text).toContain("STEP_UP_REQUIRED");
    expect(await panel.db.securityKey.count()).toBe(0);
  });

  it("registers the key that answered this session's challenge, once; another origin or a replay adds nothing", async () => {
    const cookie = await signedIn("operator");
    const options = await route("/api/auth/keys/options", "POST");
    const add = await route("/api/auth/keys", "POST");

    // Another origin in the key's answer (a phishing page relaying the challenge): refused.
    const forged = (await options({ cookie })).body as Options;
    const evil = await add({
      cookie,
      body: { name: "evil", response: key.register(forged, "http://evil.example") },
    });
    expect(evil.status, evil.text).toBe(400);
    expect(evil.text).toContain("response");

    const o = (await options({ cookie })).body as Options;
    expect(o.rp.id).toBe("panel");
    const answer = key.register(o, ORIGIN);
    const added = await add({ cookie, body: { name: "YubiKey 5", response: answer } });
    expect(added.status, added.text).toBe(201);
    const replay = await add({ cookie, body: { name: "again", response: answer } });
    expect(replay.status).toBe(401); // the challenge was used
    const list = (await (await route("/api/auth/keys", "GET"))({ cookie })).body as {
      keys: Array<{ name: string }>;
    };
    expect(list.keys.map((k) => k.name)).toEqual(["YubiKey 5"]);
    // The next registration excludes the key already there.
    const next = (await options({ cookie })).body as { excludeCredentials: Array<{ id: string }> };
    expect(next.excludeCredentials.map((c) => c.id)).toEqual([key.credentialId]);
    const me = (await (await route("/api/auth/me", "GET"))({ cookie })).body as { securityKeys: number };
    expect(me.securityKeys).toBe(1);
  });
});

describe("signing in with the key instead of a code", () => {
  const login = () =>
    route("/api/auth/login", "POST").then((f) => f({ body: { username: "operator", password: PASSWORD } }));

  it("the key's answer ends the password-only session for a new, signed-in one", async () => {
    const first = await login();
    expect(first.body).toMatchObject({ stage: "password", securityKey: true });
    const half = cookieOf(first)!;
    const o = (await (await route("/api/auth/key-sign-in/options", "POST"))({ cookie: half }))
      .body as Options;
    expect(o.allowCredentials?.map((c) => c.id)).toEqual([key.credentialId]);
    const answer = key.assert(o, ORIGIN);
    const signIn = await route("/api/auth/key-sign-in", "POST");
    const done = await signIn({ cookie: half, body: { response: answer } });
    expect(done.status, done.text).toBe(200);
    const full = cookieOf(done)!;
    expect(full).not.toBe(half);
    const me = await route("/api/auth/me", "GET");
    expect((await me({ cookie: full })).status).toBe(200);
    expect((await me({ cookie: half })).status).toBe(401);
    // The same answer again (replayed): refused.
    const again = await signIn({ cookie: half, body: { response: answer } });
    expect(again.status).toBe(401);
  });

  it("refuses another key, a cloned key, another origin and a skipped password step; each counts toward the lockout", async () => {
    const options = await route("/api/auth/key-sign-in/options", "POST");
    const signIn = await route("/api/auth/key-sign-in", "POST");
    const failed = async () =>
      (await panel.db.user.findUniqueOrThrow({ where: { id: panel.users.operator } })).failedCount;
    const stranger = new SoftKey();
    const cases: Array<[string, (o: Options) => unknown]> = [
      [
        "another key",
        (o) => ({ ...stranger.assert(o, ORIGIN), id: key.credentialId, rawId: key.credentialId }),
      ],
      ["an unknown key", (o) => stranger.assert(o, ORIGIN)],
      ["a cloned key (counter not forward)", (o) => key.assert(o, ORIGIN, { counter: key.counter })],
      ["another origin", (o) => key.assert(o, "http://evil.example")],
    ];
    for (const [what, answer] of cases) {
      const half = cookieOf(await login())!;
      const o = (await options({ cookie: half })).body as Options;
      const before = await failed();
      const res = await signIn({ cookie: half, body: { response: answer(o) } });
      expect(res.status, `${what}: ${res.text}`).toBe(401);
      expect(await failed(), what).toBe(before + 1);
    }
    // No password step at all: no challenge, no sign-in.
    expect((await options({})).status).toBe(401);
    expect((await signIn({ body: { response: key.assert({ challenge: "x" }, ORIGIN) } })).status).toBe(401);
    // The admin has no key: nothing to answer.
    await enableTotp(panel.users.admin);
    const adminLogin = await (
      await route("/api/auth/login", "POST")
    )({
      body: { username: "admin", password: PASSWORD },
    });
    expect(adminLogin.body).toMatchObject({ stage: "password", securityKey: false });
    expect((await options({ cookie: cookieOf(adminLogin)! })).status).toBe(409);
    // Every refusal is in the audit trail.
    expect(
      await panel.db.auditEntry.count({ where: { action: "auth.sign-in-key", result: "refused" } }),
    ).toBe(4);
  });
});

describe("step-up with the key", () => {
  it("the password and the key's answer prove the person again; a wrong password with a good key does not", async () => {
    const cookie = await signedIn("operator", { stepUp: false });
    const options = await route("/api/auth/step-up/options", "POST");
    const stepUp = await route("/api/auth/step-up", "POST");
    const o1 = (await options({ cookie })).body as Options;
    const wrong = await stepUp({
      cookie,
      body: { password: "not the password", key: key.assert(o1, ORIGIN) },
    });
    expect(wrong.status).toBe(401);
    const o2 = (await options({ cookie })).body as Options;
    const ok = await stepUp({ cookie, body: { password: PASSWORD, key: key.assert(o2, ORIGIN) } });
    expect(ok.status, ok.text).toBe(200);
    // Now a step-up action goes through (here: the next registration's options).
    expect((await (await route("/api/auth/keys/options", "POST"))({ cookie })).status).toBe(200);
  });
});

describe("removing keys", () => {
  it("only the owner removes a key; turning the app off removes them all", async () => {
    const remove = await route("/api/auth/keys/[id]", "DELETE");
    const admin = await remove({ cookie: await signedIn("admin"), params: { id: key.credentialId } });
    expect(admin.status).toBe(404);
    expect(await panel.db.securityKey.count()).toBe(1);
    const cookie = await signedIn("operator");
    // A second key, then the owner removes the first.
    const second = new SoftKey();
    const o = (await (await route("/api/auth/keys/options", "POST"))({ cookie })).body as Options;
    expect(
      (
        await (
          await route("/api/auth/keys", "POST")
        )({ cookie, body: { name: "spare", response: second.register(o, ORIGIN) } })
      ).status,
    ).toBe(201);
    expect((await remove({ cookie, params: { id: key.credentialId } })).status).toBe(200);
    expect((await panel.db.securityKey.findMany()).map((k) => k.name)).toEqual(["spare"]);
    await panel.auth.disableTotp(panel.users.operator);
    expect(await panel.db.securityKey.count()).toBe(0);
  });
});

describe("the relying party", () => {
  it("is the origin the browser used; an IP address cannot be one", () => {
    expect(relyingParty("https://tandem.example.net")).toEqual({
      origin: "https://tandem.example.net",
      rpID: "tandem.example.net",
    });
    expect(relyingParty("http://localhost:3000").rpID).toBe("localhost");
    for (const bad of ["http://127.0.0.1:3000", "http://[::1]:3000"])
      expect(() => relyingParty(bad), bad).toThrow(/cannot work at/);
    expect(() => relyingParty(null)).toThrow(/Origin/);
    expect(() => relyingParty("not a url")).toThrow(/Origin/);
  });
});
