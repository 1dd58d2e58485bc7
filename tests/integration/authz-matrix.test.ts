/**
 * S9: the authorization matrix. Every route module under app/api (found on disk, so a new route is in the test
 * without anyone adding it) must be in the EXPECTED table below, and is called as anonymous, viewer, operator,
 * admin and an operator-scoped API token; each outcome must match the table. S8: cross-site writes fail, and no GET
 * changes state. Also checked: IDOR on tokens, forced promotion needs an admin, step-up, two-factor enrollment.
 */
import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routeDeclaration } from "../../lib/api/route";
import type { Role } from "../../lib/auth/roles";
import { createTempSimFarm, type TempSimFarm } from "../helpers/sim";
import {
  apiRouteFiles,
  callRoute,
  importRoute,
  METHODS,
  startAuthPanel,
  type AuthPanel,
  type Method,
} from "../helpers/auth";

/** The least role each route needs ("public": anybody, signed in or not). The specification, not the code's copy. */
const EXPECTED: Record<string, Role | "public"> = {
  "GET /api/audit": "admin",
  "GET /api/audit/verify": "admin",
  "POST /api/auth/code": "public",
  "POST /api/auth/key-sign-in": "public",
  "POST /api/auth/key-sign-in/options": "public",
  "GET /api/auth/keys": "viewer",
  "POST /api/auth/keys": "viewer",
  "POST /api/auth/keys/options": "viewer",
  "DELETE /api/auth/keys/[id]": "viewer",
  "POST /api/auth/step-up/options": "viewer",
  "POST /api/auth/login": "public",
  "POST /api/auth/logout": "viewer",
  "GET /api/auth/me": "viewer",
  "GET /api/auth/sessions": "viewer",
  "GET /api/auth/setup": "public",
  "POST /api/auth/setup": "public",
  "POST /api/auth/step-up": "viewer",
  "POST /api/auth/totp": "viewer",
  "DELETE /api/auth/totp": "viewer",
  "POST /api/auth/totp/confirm": "viewer",
  "GET /api/capacity": "viewer",
  "GET /api/farm": "viewer",
  "GET /api/history": "viewer",
  "GET /api/history/samples": "viewer",
  "POST /api/hosts/[name]/agent": "admin",
  "GET /api/hosts/[name]/storage": "viewer",
  "GET /api/incidents": "viewer",
  "GET /api/incidents/[id]": "viewer",
  "GET /api/farm/source": "admin",
  "POST /api/farm/source": "admin",
  "DELETE /api/farm/source": "admin",
  "GET /api/onboarding": "admin",
  "POST /api/onboarding": "admin",
  "POST /api/onboarding/[name]/install": "admin",
  "POST /api/onboarding/[name]/pin": "admin",
  "POST /api/onboarding/[name]/rescan": "admin",
  "POST /api/onboarding/[name]/test": "admin",
  "GET /api/jobs": "viewer",
  "GET /api/jobs/[id]": "viewer",
  "POST /api/jobs/[id]/cancel": "operator",
  "POST /api/jobs/[id]/undo": "admin",
  "POST /api/resources": "admin",
  "DELETE /api/resources/[name]": "admin",
  "POST /api/resources/[name]/split-brain": "admin",
  "POST /api/runbooks": "operator",
  "GET /api/settings/audit": "admin",
  "PUT /api/settings/audit": "admin",
  "GET /api/settings/history": "viewer",
  "PUT /api/settings/history": "admin",
  "GET /api/settings/notifications": "admin",
  "PUT /api/settings/notifications": "admin",
  "POST /api/settings/notifications/test": "admin",
  "GET /api/settings/security": "viewer",
  "PUT /api/settings/security": "admin",
  "POST /api/sim/faults": "operator",
  "GET /api/sim/world": "operator",
  "GET /api/tokens": "viewer",
  "POST /api/tokens": "viewer",
  "DELETE /api/tokens/[id]": "viewer",
  "GET /api/users": "admin",
  "POST /api/users": "admin",
  "PATCH /api/users/[id]": "admin",
  "GET /api/users/[id]/sessions": "admin",
  "DELETE /api/users/[id]/sessions": "admin",
  "POST /api/vms": "operator",
  "DELETE /api/vms/[name]": "operator",
  "GET /api/vms/policies": "viewer",
  "PUT /api/vms/[name]/policy": "operator",
};

/** Routes for signed-in people only: an API token is refused even with the role. */
const SESSION_ONLY = new Set([
  "POST /api/tokens",
  "POST /api/auth/step-up",
  "POST /api/auth/logout",
  "POST /api/auth/totp",
  "DELETE /api/auth/totp",
  "POST /api/auth/totp/confirm",
  "POST /api/auth/keys",
  "POST /api/auth/keys/options",
  "DELETE /api/auth/keys/[id]",
  "POST /api/auth/step-up/options",
]);
/** Public routes that continue a sign-in: without a pending one (a password-only session) they answer 401. */
const CONTINUES_SIGN_IN = new Set(["POST /api/auth/key-sign-in/options"]);

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };
/** Path values that name nothing: an allowed call ends in 404 or 400 and changes nothing. */
const PARAMS = { name: "nosuch", id: "x0" };

let farm: TempSimFarm;
let panel: AuthPanel;
type Route = {
  key: string;
  path: string;
  method: Method;
  handler: NonNullable<Awaited<ReturnType<typeof importRoute>>[Method]>;
};
const routes: Route[] = [];

beforeAll(async () => {
  farm = createTempSimFarm();
  panel = await startAuthPanel(farm);
  for (const { file, path } of apiRouteFiles()) {
    const mod = await importRoute(file);
    for (const method of METHODS) {
      const handler = mod[method];
      if (handler) routes.push({ key: `${method} ${path}`, path, method, handler });
    }
  }
});

afterAll(async () => {
  await panel?.stop();
  farm?.remove();
});

describe("every route is declared and in the table", () => {
  it("finds the routes on disk, each made by apiRoute with a permission, each in EXPECTED and vice versa", () => {
    expect(routes.length).toBeGreaterThan(40);
    for (const r of routes) {
      expect(routeDeclaration(r.handler), `${r.key} is not made by apiRoute`).toBeDefined();
      expect(EXPECTED[r.key], `${r.key} has no expected role in the matrix`).toBeDefined();
    }
    expect(Object.keys(EXPECTED).sort()).toEqual(routes.map((r) => r.key).sort());
  });
});

describe("the matrix: anonymous, viewer, operator, admin, an operator token", () => {
  it("refuses below the expected role (401 anonymous, 403 signed in) and lets the rest through", async () => {
    const refusalsBefore = await panel.db.auditEntry.count({ where: { result: "refused" } });
    let refusals = 0;
    const texts: string[] = [];
    const cookies: string[] = [];
    const token = (await panel.auth.createToken(panel.users.admin, { name: "matrix", role: "operator" }))
      .token;
    for (const r of routes) {
      const expected = EXPECTED[r.key]!;
      const body = r.method === "GET" ? undefined : {};
      for (const who of ["anonymous", "viewer", "operator", "admin", "token"] as const) {
        const cookie = who === "anonymous" || who === "token" ? undefined : await panel.signIn(who);
        if (cookie) cookies.push(cookie);
        const res = await callRoute(r.handler, r.method, r.path, {
          params: PARAMS,
          body,
          ...(cookie ? { cookie } : {}),
          ...(who === "token" ? { bearer: token } : {}),
        });
        texts.push(res.text);
        const code = (res.body as { error?: { code?: string } }).error?.code;
        const role: Role | null = who === "anonymous" ? null : who === "token" ? "operator" : who;
        const allowed = expected === "public" || (role !== null && RANK[role] >= RANK[expected]);
        const label = `${r.key} as ${who}: ${res.status} ${res.text.slice(0, 200)}`;
        if (!allowed) {
          refusals++;
          expect(res.status, label).toBe(role === null ? 401 : 403);
          expect(code, label).toBe(role === null ? "UNAUTHENTICATED" : "FORBIDDEN");
        } else if (CONTINUES_SIGN_IN.has(r.key)) {
          expect([401, 409], label).toContain(res.status);
          expect(res.text, label).toMatch(/password first|no security key/);
        } else if (who === "token" && SESSION_ONLY.has(r.key)) {
          // For people only: a token cannot mint tokens, step up, set up two-factor or sign out.
          expect(res.status, label).toBe(403);
        } else if (who === "token" && routeDeclaration(r.handler)!.stepUp) {
          // Tokens cannot step up: dangerous actions stay with people (any status but "not signed in").
          expect(res.status, label).not.toBe(401);
        } else {
          expect([401, 403], label).not.toContain(res.status);
        }
      }
    }
    // S4: no answer holds a session, a token, a password hash, a sealed secret or key material.
    const all = texts.join("\n");
    for (const c of [...cookies, token]) expect(all).not.toContain(c);
    for (const u of await panel.db.user.findMany()) {
      expect(all).not.toContain(u.passwordHash);
      if (u.totpSecretEnc) expect(all).not.toContain(u.totpSecretEnc);
    }
    expect(all).not.toMatch(/PRIVATE KEY|shared-secret|\$argon2|tdm_[\w-]{20}/);
    // Every refusal is in the audit trail.
    const refusalsAfter = await panel.db.auditEntry.count({ where: { result: "refused" } });
    expect(refusalsAfter - refusalsBefore).toBeGreaterThanOrEqual(refusals);
    expect((await panel.audit.verify()).ok).toBe(true);
  }, 180_000);

  it("a GET changes nothing: the farm's tables are the same after every GET as admin", async () => {
    const snapshot = async () => {
      const db = panel.db;
      const tables = {
        user: await db.user.findMany({
          select: { id: true, role: true, passwordHash: true, disabledAt: true, totpEnabled: true },
        }),
        job: await db.job.findMany(),
        jobStep: await db.jobStep.findMany(),
        incident: await db.incident.findMany(),
        setting: await db.setting.findMany(),
        apiToken: await db.apiToken.findMany({ select: { id: true, revokedAt: true, role: true } }),
        managedHost: await db.managedHost.findMany(),
        // (Not the inventory of hosts, resources and VMs: the farm service writes what it observes there, any time.)
      };
      // One digest per table: a failure names the table that changed.
      return Object.fromEntries(
        Object.entries(tables).map(([k, rows]) => [
          k,
          crypto.createHash("sha256").update(JSON.stringify(rows)).digest("hex"),
        ]),
      );
    };
    const before = await snapshot();
    const cookie = await panel.signIn("admin");
    for (const r of routes.filter((x) => x.method === "GET"))
      await callRoute(r.handler, "GET", r.path, { params: PARAMS, cookie });
    expect(await snapshot()).toEqual(before);
  });
});

describe("CSRF (S8)", () => {
  const route = (key: string) => routes.find((r) => r.key === key)!;

  it("refuses a signed-in browser's write from another site, or with neither Origin nor Sec-Fetch-Site", async () => {
    const r = route("PUT /api/settings/history");
    const cookie = await panel.signIn("admin");
    const body = { retentionDays: 3 };
    const cases = [
      { origin: "http://evil.example", secFetchSite: "cross-site" },
      { origin: "http://evil.example", secFetchSite: null },
      { origin: null, secFetchSite: "same-site" },
      { origin: null, secFetchSite: null },
    ];
    for (const c of cases) {
      const res = await callRoute(r.handler, "PUT", r.path, { cookie, body, ...c });
      expect(res.status, JSON.stringify(c)).toBe(403);
    }
    expect(await panel.db.setting.findUnique({ where: { key: "history" } })).toBeNull();
    const ok = await callRoute(r.handler, "PUT", r.path, { cookie, body });
    expect(ok.status, ok.text).toBe(200);
  });

  it("refuses a cross-site sign-in (login CSRF)", async () => {
    const r = route("POST /api/auth/login");
    const res = await callRoute(r.handler, "POST", r.path, {
      body: { username: "admin", password: "correct horse battery staple" },
      origin: "http://evil.example",
      secFetchSite: "cross-site",
    });
    expect(res.status).toBe(403);
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("lets an API token write without Origin (no cookie, so nothing for another site to ride on)", async () => {
    const r = route("PUT /api/settings/history");
    const { token } = await panel.auth.createToken(panel.users.admin, { name: "csrf", role: "admin" });
    const res = await callRoute(r.handler, "PUT", r.path, {
      bearer: token,
      body: { retentionDays: 5 },
      origin: null,
      secFetchSite: null,
    });
    expect(res.status, res.text).toBe(200);
  });
});

describe("per-object and per-action checks", () => {
  const route = (key: string) => routes.find((r) => r.key === key)!;

  it("a user cannot revoke another user's token (IDOR): 404, and the token still works", async () => {
    const { token, id } = await panel.auth.createToken(panel.users.admin, { name: "admins", role: "viewer" });
    const r = route("DELETE /api/tokens/[id]");
    const res = await callRoute(r.handler, "DELETE", r.path, {
      params: { id },
      cookie: await panel.signIn("viewer"),
    });
    expect(res.status).toBe(404);
    expect(await panel.auth.authenticateToken(token)).not.toBeNull();
  });

  it("a token's role is at most its creator's", async () => {
    const r = route("POST /api/tokens");
    const res = await callRoute(r.handler, "POST", r.path, {
      cookie: await panel.signIn("operator"),
      body: { name: "too-high", role: "admin" },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { details: { field: "role" } } });
  });

  it("a forced promotion needs an admin: an operator's force is refused before anything runs", async () => {
    const r = route("POST /api/runbooks");
    const res = await callRoute(r.handler, "POST", r.path, {
      cookie: await panel.signIn("operator"),
      body: { kind: "switchover", from: "xen1", to: "xen2", force: true, dryRun: true },
    });
    expect(res.status, res.text).toBe(403);
    expect(await panel.db.job.count()).toBe(0);
  });

  it("a demoted user's token acts with the user's new role", async () => {
    const user = await panel.auth.createUser({
      username: "demoted",
      password: "correct horse battery staple",
      role: "admin",
    });
    const { token } = await panel.auth.createToken(user.id, { name: "t", role: "admin" });
    await panel.auth.updateUser(user.id, { role: "viewer" });
    const r = route("GET /api/users");
    expect((await callRoute(r.handler, "GET", r.path, { bearer: token })).status).toBe(403);
  });
});

describe("step-up (S7)", () => {
  const route = (key: string) => routes.find((r) => r.key === key)!;

  it("a fresh sign-in is not a step-up: the first dangerous action asks for the password", async () => {
    const cookie = await panel.signIn("admin", { stepUp: false });
    const r = route("POST /api/users");
    const res = await callRoute(r.handler, "POST", r.path, {
      cookie,
      body: { username: "eager", password: "correct horse battery staple", role: "viewer" },
    });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: { code: "STEP_UP_REQUIRED" } });
  });

  it("refuses dangerous actions whose password proof is older than 5 minutes, before anything runs; a dry run passes", async () => {
    const cookie = await panel.signIn("admin");
    await panel.db.session.updateMany({ data: { stepUpAt: new Date(Date.now() - 6 * 60_000) } });
    const dangerous: Array<[string, { body?: unknown; query?: string; params?: Record<string, string> }]> = [
      ["POST /api/runbooks", { body: { kind: "switchover", from: "xen1", to: "xen2" } }],
      [
        "POST /api/resources/[name]/split-brain",
        { params: { name: "r1" }, body: { discard: "xen2", confirm: "xen2" } },
      ],
      ["DELETE /api/resources/[name]", { params: { name: "r4" } }],
      [
        "POST /api/users",
        { body: { username: "newbie", password: "correct horse battery staple", role: "viewer" } },
      ],
      ["PUT /api/settings/security", { body: { requireTwoFactor: true } }],
    ];
    for (const [key, opts] of dangerous) {
      const r = route(key);
      const res = await callRoute(r.handler, r.method, r.path, { cookie, ...opts });
      expect(res.status, `${key}: ${res.text}`).toBe(403);
      expect((res.body as { error: { code: string } }).error.code).toBe("STEP_UP_REQUIRED");
    }
    expect(await panel.db.job.count()).toBe(0);
    expect(await panel.db.user.count({ where: { username: "newbie" } })).toBe(0);

    const dry = await callRoute(route("POST /api/runbooks").handler, "POST", "/api/runbooks", {
      cookie,
      body: { kind: "switchover", from: "xen1", to: "xen2", dryRun: true },
    });
    expect(dry.status, dry.text).toBe(200);

    const stepUp = route("POST /api/auth/step-up");
    const wrong = await callRoute(stepUp.handler, "POST", stepUp.path, {
      cookie,
      body: { password: "wrong password!!" },
    });
    expect(wrong.status).toBe(401);
    const right = await callRoute(stepUp.handler, "POST", stepUp.path, {
      cookie,
      body: { password: "correct horse battery staple" },
    });
    expect(right.status, right.text).toBe(200);
    const users = route("POST /api/users");
    const created = await callRoute(users.handler, "POST", users.path, {
      cookie,
      body: { username: "newbie", password: "correct horse battery staple", role: "viewer" },
    });
    expect(created.status, created.text).toBe(201);
  });
});
