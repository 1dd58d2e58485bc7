/**
 * S6 and S7 against the real route handlers and a real database: the two-factor state machine and its negative
 * cases (skipped step, replayed code, a client-sent "signed in" flag), lockout after 8 failures, the per-address
 * limit, session rotation, idle and absolute timeouts, sign-out everywhere and an admin ending sessions, the
 * cookie's flags, the first-run page closing once an admin exists, and what responses never contain (S4).
 */
import { Secret, TOTP } from "otpauth";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTempSimFarm, type TempSimFarm } from "../helpers/sim";
import { cookieOf, route, importRoute, PASSWORD, startAuthPanel, type AuthPanel } from "../helpers/auth";
import { ROOT } from "../helpers/sim";

let farm: TempSimFarm;
let panel: AuthPanel;
let offset = 0;
const clock = () => Date.now() + offset;

const codeAt = (secret: string, at: number) =>
  new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: "SHA1" }).generate({
    timestamp: at,
  });

beforeAll(async () => {
  farm = createTempSimFarm();
  panel = await startAuthPanel(farm, { addressLimit: 1000 }, clock);
});
afterAll(async () => {
  await panel?.stop();
  farm?.remove();
});
beforeEach(() => {
  offset = 0;
});

describe("sign-in and the session cookie", () => {
  it("sets an HttpOnly, SameSite=Strict cookie (Secure and __Host- over HTTPS) with a new id at every sign-in", async () => {
    const login = await route("/api/auth/login", "POST");
    const a = await login({ body: { username: "viewer", password: PASSWORD } });
    expect(a.status, a.text).toBe(200);
    const header = a.headers.get("set-cookie")!;
    expect(header).toMatch(/^tandem_session=[\w-]{40,}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    const b = await login({ body: { username: "viewer", password: PASSWORD } });
    expect(cookieOf(b)).not.toBe(cookieOf(a));
    // Over HTTPS (server.ts says so in a header only it can set): the __Host- cookie, Secure.
    const handler = (await importRoute(`${ROOT}/app/api/auth/login/route.ts`)).POST!;
    const request = new Request("https://panel/api/auth/login", {
      method: "POST",
      headers: {
        host: "panel",
        origin: "https://panel",
        "sec-fetch-site": "same-origin",
        "x-tandem-proto": "https",
        "content-type": "application/json",
      },
      body: JSON.stringify({ username: "viewer", password: PASSWORD }),
    });
    const secure = await handler(request);
    expect(secure.headers.get("set-cookie")).toMatch(
      /^__Host-tandem_session=[\w-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/,
    );
  });

  it("refuses a wrong password and an unknown user alike, and a client-sent stage", async () => {
    const login = await route("/api/auth/login", "POST");
    const wrong = await login({ body: { username: "viewer", password: "not the password" } });
    const unknown = await login({ body: { username: "nobody", password: "not the password" } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect((wrong.body as { error: { message: string } }).error.message).toBe(
      (unknown.body as { error: { message: string } }).error.message,
    );
    expect(wrong.headers.get("set-cookie")).toBeNull();
    const flagged = await login({
      body: { username: "viewer", password: "not the password", stage: "full" },
    });
    expect(flagged.status).toBe(400);
    expect(flagged.body).toMatchObject({
      error: { details: { field: "stage", rule: "is not a known field" } },
    });
  });

  it("ends a session after the idle timeout and after the absolute timeout, however busy", async () => {
    const me = await route("/api/auth/me", "GET");
    const cookie = await panel.signIn("viewer");
    expect((await me({ cookie })).status).toBe(200);
    offset = panel.auth.settings.idleMs + 60_000;
    expect((await me({ cookie })).status).toBe(401);

    offset = 0;
    const busy = await panel.signIn("viewer");
    // Used every 10 minutes, it still ends 8 hours after sign-in.
    for (let t = 0; t < panel.auth.settings.absoluteMs; t += 10 * 60_000) {
      offset = t;
      expect((await me({ cookie: busy })).status, `at +${t / 60_000} min`).toBe(200);
    }
    offset = panel.auth.settings.absoluteMs + 1000;
    expect((await me({ cookie: busy })).status).toBe(401);
  }, 60_000);

  it("signs out this browser, or everywhere; an admin can end another account's sessions", async () => {
    const me = await route("/api/auth/me", "GET");
    const logout = await route("/api/auth/logout", "POST");
    const a = await panel.signIn("operator");
    const b = await panel.signIn("operator");
    const out = await logout({ cookie: a, body: {} });
    expect(out.status).toBe(200);
    expect(out.headers.get("set-cookie")).toMatch(/tandem_session=; .*Max-Age=0/);
    expect((await me({ cookie: a })).status).toBe(401);
    expect((await me({ cookie: b })).status).toBe(200);
    const c = await panel.signIn("operator");
    await logout({ cookie: c, body: { everywhere: true } });
    expect((await me({ cookie: b })).status).toBe(401);

    const d = await panel.signIn("operator");
    const end = await route("/api/users/[id]/sessions", "DELETE");
    const ended = await end({ params: { id: panel.users.operator }, cookie: await panel.signIn("admin") });
    expect(ended.body).toEqual({ ended: 1 });
    expect((await me({ cookie: d })).status).toBe(401);
  });

  it("closes the first-run page once an admin exists", async () => {
    const setup = await route("/api/auth/setup", "POST");
    const res = await setup({ body: { username: "intruder", password: "a long enough password" } });
    expect(res.status).toBe(409);
    expect(await panel.db.user.count({ where: { username: "intruder" } })).toBe(0);
  });
});

describe("two-factor sign-in (S6)", () => {
  let secret = "";
  let recovery: string[] = [];

  it("sets up TOTP: a secret, confirmed with a code, answers recovery codes once", async () => {
    const cookie = await panel.signIn("operator");
    const begin = await (await route("/api/auth/totp", "POST"))({ cookie });
    expect(begin.status, begin.text).toBe(200);
    secret = (begin.body as { secret: string }).secret;
    expect(begin.body).toMatchObject({
      uri: expect.stringMatching(/^otpauth:\/\/totp\//),
      qrDataUrl: expect.stringMatching(/^data:image\/png;base64,/),
    });
    // The secret is stored sealed, never in clear.
    const row = await panel.db.user.findUniqueOrThrow({ where: { id: panel.users.operator } });
    expect(row.totpSecretEnc).not.toContain(secret);
    const confirm = await route("/api/auth/totp/confirm", "POST");
    expect((await confirm({ cookie, body: { code: "000000" } })).status).toBe(401);
    const ok = await confirm({ cookie, body: { code: codeAt(secret, clock()) } });
    expect(ok.status, ok.text).toBe(200);
    recovery = (ok.body as { recoveryCodes: string[] }).recoveryCodes;
    expect(recovery).toHaveLength(10);
    expect(new Set(recovery).size).toBe(10);
  });

  it("a password alone gives a session that can do nothing but send its code (skipped step refused)", async () => {
    offset = 60_000; // the next TOTP window: the set-up code was used
    const login = await (
      await route("/api/auth/login", "POST")
    )({ body: { username: "operator", password: PASSWORD } });
    expect(login.body).toMatchObject({ stage: "password" });
    const half = cookieOf(login)!;
    for (const [path, method] of [
      ["/api/farm", "GET"],
      ["/api/auth/me", "GET"],
      ["/api/tokens", "GET"],
    ] as const)
      expect((await (await route(path, method))({ cookie: half })).status, path).toBe(401);
    const runbooks = await route("/api/runbooks", "POST");
    expect(
      (await runbooks({ cookie: half, body: { kind: "switchover", from: "xen1", to: "xen2" } })).status,
    ).toBe(401);
    expect(await panel.db.job.count()).toBe(0);
  });

  it("accepts the code once: a replayed code is refused, and the half session is replaced by a new one", async () => {
    offset = 120_000;
    const login = await (
      await route("/api/auth/login", "POST")
    )({ body: { username: "operator", password: PASSWORD } });
    const half = cookieOf(login)!;
    const code = codeAt(secret, clock());
    const send = await route("/api/auth/code", "POST");
    const ok = await send({ cookie: half, body: { code } });
    expect(ok.status, ok.text).toBe(200);
    const full = cookieOf(ok)!;
    expect(full).not.toBe(half);
    expect((await (await route("/api/auth/me", "GET"))({ cookie: full })).status).toBe(200);
    // The pending session is spent; the same code again, with a new password step, is refused.
    expect((await send({ cookie: half, body: { code } })).status).toBe(401);
    const again = cookieOf(
      await (
        await route("/api/auth/login", "POST")
      )({ body: { username: "operator", password: PASSWORD } }),
    )!;
    expect((await send({ cookie: again, body: { code } })).status).toBe(401);
    // A code without any password step.
    expect((await send({ body: { code: codeAt(secret, clock() + 30_000) } })).status).toBe(401);
  });

  it("accepts each recovery code once", async () => {
    const send = await route("/api/auth/code", "POST");
    const login = await route("/api/auth/login", "POST");
    const first = cookieOf(await login({ body: { username: "operator", password: PASSWORD } }))!;
    expect((await send({ cookie: first, body: { code: recovery[0] } })).status).toBe(200);
    const second = cookieOf(await login({ body: { username: "operator", password: PASSWORD } }))!;
    expect((await send({ cookie: second, body: { code: recovery[0] } })).status).toBe(401);
  });

  it("locks the account after 8 wrong codes: even the right code is then refused until the lock ends", async () => {
    offset = 300_000;
    // Earlier tests' wrong codes (the replay) count too; start this one from none.
    await panel.db.user.update({ where: { id: panel.users.operator }, data: { failedCount: 0 } });
    const send = await route("/api/auth/code", "POST");
    const login = await route("/api/auth/login", "POST");
    const half = cookieOf(await login({ body: { username: "operator", password: PASSWORD } }))!;
    for (let i = 0; i < 8; i++)
      expect((await send({ cookie: half, body: { code: "123456" } })).status).toBe(401);
    const locked = await send({ cookie: half, body: { code: codeAt(secret, clock()) } });
    expect(locked.status).toBe(429);
    expect((await login({ body: { username: "operator", password: PASSWORD } })).status).toBe(429);
    expect(await panel.db.auditEntry.count({ where: { action: "account.locked", target: "operator" } })).toBe(
      1,
    );
    offset += panel.auth.settings.lockMs + 60_000;
    const after = cookieOf(await login({ body: { username: "operator", password: PASSWORD } }))!;
    expect((await send({ cookie: after, body: { code: codeAt(secret, clock()) } })).status).toBe(200);
  });

  it("an admin's two-factor requirement leaves accounts without it able only to set it up", async () => {
    const security = await route("/api/settings/security", "PUT");
    // An administrator without two-factor cannot require it (it would lock them out of every change).
    const own = await security({ cookie: await panel.signIn("admin"), body: { requireTwoFactor: true } });
    expect(own.status, own.text).toBe(409);
    expect(own.body).toMatchObject({
      error: { details: { rule: "the administrator requiring two-factor must have it" } },
    });
    expect((await panel.auth.securitySettings()).requireTwoFactor).toBe(false);
    // The operator has two-factor (set up above); as if an administrator with it had turned it on:
    await panel.auth.setSecuritySettings({ requireTwoFactor: true });
    const admin = await panel.signIn("admin"); // an admin without two-factor
    const runbooks = await route("/api/runbooks", "POST");
    const refused = await runbooks({
      cookie: admin,
      body: { kind: "switchover", from: "xen1", to: "xen2", dryRun: true },
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { details: { rule: "two-factor sign-in required" } } });
    expect((await (await route("/api/farm", "GET"))({ cookie: admin })).status).toBe(200);
    expect((await (await route("/api/auth/totp", "POST"))({ cookie: admin })).status).toBe(200);
    // A viewer changes nothing: not concerned.
    expect((await (await route("/api/tokens", "GET"))({ cookie: await panel.signIn("viewer") })).status).toBe(
      200,
    );
    await panel.auth.setSecuritySettings({ requireTwoFactor: false });
  });
});

describe("rate limit per address", () => {
  it("refuses every sign-in from an address after too many failures, while others still sign in", async () => {
    const limited = await startAuthPanel(createTempSimFarm(), { addressLimit: 5 });
    try {
      const handler = (await importRoute(`${ROOT}/app/api/auth/login/route.ts`)).POST!;
      const from = (address: string, password: string) =>
        handler(
          new Request("http://panel/api/auth/login", {
            method: "POST",
            headers: {
              host: "panel",
              origin: "http://panel",
              "x-tandem-peer": address,
              "content-type": "application/json",
            },
            body: JSON.stringify({
              username: ["viewer", "operator", "admin"][Math.floor(Math.random() * 3)],
              password,
            }),
          }),
        );
      for (let i = 0; i < 5; i++) expect((await from("192.0.2.66", "wrong password")).status).toBe(401);
      expect((await from("192.0.2.66", PASSWORD)).status).toBe(429);
      expect((await from("192.0.2.7", PASSWORD)).status).toBe(200);
    } finally {
      await limited.stop();
    }
  });
});

describe("secrets never leave (S4)", () => {
  it("no response of the account routes holds a password hash, a TOTP secret or another token", async () => {
    const cookie = await panel.signIn("admin");
    const { token } = await panel.auth.createToken(panel.users.admin, { name: "scan", role: "viewer" });
    const users = await panel.db.user.findMany();
    const sessions = await panel.db.session.findMany();
    const texts = [
      (await (await route("/api/users", "GET"))({ cookie })).text,
      (await (await route("/api/tokens", "GET"))({ cookie })).text,
      (await (await route("/api/auth/sessions", "GET"))({ cookie })).text,
      (
        await (
          await route("/api/users/[id]/sessions", "GET")
        )({ cookie, params: { id: panel.users.operator } })
      ).text,
      (await (await route("/api/audit", "GET"))({ cookie, query: "limit=500" })).text,
      (await (await route("/api/auth/me", "GET"))({ cookie })).text,
    ].join("\n");
    expect(texts).not.toContain(token);
    expect(texts).not.toContain(token.slice(12));
    expect(texts).not.toContain(cookie);
    expect(texts).not.toContain(PASSWORD);
    for (const u of users) {
      expect(texts).not.toContain(u.passwordHash);
      if (u.totpSecretEnc) expect(texts).not.toContain(u.totpSecretEnc);
    }
    for (const s of sessions) expect(texts).not.toContain(s.id);
    expect(texts).not.toMatch(/\$argon2/);
  });
});
