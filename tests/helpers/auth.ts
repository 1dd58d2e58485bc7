/**
 * A panel runtime with accounts, for calling the real route handlers (app/api/.../route.ts) the way Next does:
 * a Request in, a Response out. The farm behind it is a temporary simulated farm (tests/helpers/sim.ts).
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { AuditLog } from "../../lib/audit/log";
import { SecretBox } from "../../lib/auth/secret-box";
import { AuthService, DEFAULT_AUTH_SETTINGS, type AuthSettings } from "../../lib/auth/service";
import type { Role } from "../../lib/auth/roles";
import { OnboardingService } from "../../lib/hosts/service";
import type { Db } from "../../lib/db";
import { setRuntime, type Runtime } from "../../lib/runtime";
import { ROOT, type TempSimFarm } from "./sim";
import { migratedDb, SIM_RESOURCES, startPanel } from "./runbooks";

export const PASSWORD = "correct horse battery staple";

export interface AuthPanel {
  runtime: Runtime;
  db: Db;
  auth: AuthService;
  audit: AuditLog;
  /** Ids of the test accounts by role (user names are the role names). */
  users: Record<Role, string>;
  /** A fresh signed-in session's cookie value for the account `role`, stepped up unless told otherwise. */
  signIn(role: Role, opts?: { stepUp?: boolean }): Promise<string>;
  stop(): Promise<void>;
}

export async function startAuthPanel(
  farm: TempSimFarm,
  settings: Partial<AuthSettings> = {},
  clock?: () => number,
): Promise<AuthPanel> {
  const db = migratedDb(farm);
  const audit = new AuditLog(db, path.join(farm.dir, "audit-head.json"));
  const box = SecretBox.fromKey(crypto.randomBytes(32));
  const auth = new AuthService(db, audit, box, { ...DEFAULT_AUTH_SETTINGS, ...settings }, clock);
  const { service, engine } = startPanel(farm, db);
  await service.start();
  const runtime: Runtime = {
    auth,
    audit,
    onboarding: new OnboardingService(db, box, () =>
      fs.readFileSync(path.join(ROOT, "agents/dist/tandem-agent.js")),
    ),
    secrets: box,
    farmSource: { kind: "simulated" },
    farm: service,
    runbooks: engine,
    db,
    resources: SIM_RESOURCES.map((r) => ({ ...r })),
    sim: { store: farm.store },
  };
  setRuntime(runtime);
  await auth.createFirstAdmin({ username: "admin", password: PASSWORD }, "test", null);
  const admin = (await db.user.findUniqueOrThrow({ where: { username: "admin" } })).id;
  const operator = (await auth.createUser({ username: "operator", password: PASSWORD, role: "operator" })).id;
  const viewer = (await auth.createUser({ username: "viewer", password: PASSWORD, role: "viewer" })).id;
  return {
    runtime,
    db,
    auth,
    audit,
    users: { admin, operator, viewer },
    signIn: async (role, opts = {}) => {
      const { sessionToken } = await auth.signIn(
        { username: role, password: PASSWORD },
        { address: "10.0.0.9", userAgent: "vitest" },
      );
      if (opts.stepUp !== false)
        await db.session.update({
          where: { id: crypto.createHash("sha256").update(sessionToken).digest("hex") },
          data: { stepUpAt: new Date() },
        });
      return sessionToken;
    },
    stop: async () => {
      service.stop();
      await db.$disconnect();
    },
  };
}

/** Every route module under app/api, as its URL path with `[segment]` placeholders ("/api/jobs/[id]/cancel"). */
export function apiRouteFiles(): Array<{ file: string; path: string }> {
  const out: Array<{ file: string; path: string }> = [];
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      if (fs.statSync(full).isDirectory()) walk(full);
      else if (name === "route.ts")
        out.push({
          file: full,
          path: "/" + path.relative(path.join(ROOT, "app"), dir).split(path.sep).join("/"),
        });
    }
  };
  walk(path.join(ROOT, "app", "api"));
  return out;
}

export const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export type Method = (typeof METHODS)[number];
type Handler = (
  request: Request,
  context?: { params?: Promise<Record<string, string>> },
) => Promise<Response>;

/** Calls a route module's handler as Next would, with the headers a same-origin browser (or a token) sends. */
export async function callRoute(
  handler: Handler,
  method: Method,
  routePath: string,
  opts: {
    params?: Record<string, string>;
    query?: string;
    body?: unknown;
    cookie?: string;
    bearer?: string;
    /** Headers of the browser's request: same-origin by default. */
    origin?: string | null;
    secFetchSite?: string | null;
  } = {},
): Promise<{ status: number; body: unknown; headers: Headers; text: string }> {
  // Only the segments the route has, as Next passes them.
  const params = Object.fromEntries(
    Object.entries(opts.params ?? {}).filter(([k]) => routePath.includes(`[${k}]`)),
  );
  const pathname = routePath.replace(/\[(\w+)\]/g, (_, k: string) => encodeURIComponent(params[k] ?? ""));
  const headers: Record<string, string> = {
    host: "panel",
    "x-tandem-peer": "10.0.0.9",
    "user-agent": "vitest",
  };
  const origin = opts.origin === undefined ? "http://panel" : opts.origin;
  const site = opts.secFetchSite === undefined ? "same-origin" : opts.secFetchSite;
  if (method !== "GET" && origin !== null) headers.origin = origin;
  if (site !== null) headers["sec-fetch-site"] = site;
  if (opts.cookie) headers.cookie = `tandem_session=${opts.cookie}`;
  if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const request = new Request(`http://panel${pathname}${opts.query ? `?${opts.query}` : ""}`, {
    method,
    headers,
    ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
  });
  const res = await handler(request, { params: Promise.resolve(params) });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body, headers: res.headers, text };
}

export async function importRoute(file: string): Promise<Partial<Record<Method, Handler>>> {
  return (await import(file)) as Partial<Record<Method, Handler>>;
}

/** The route module at `app<path>/route.ts`, its `method` handler bound as `callRoute` calls it. */
export async function route(path: string, method: Method) {
  const handler = (await importRoute(`${ROOT}/app${path}/route.ts`))[method];
  if (!handler) throw new Error(`${method} ${path}: no handler`);
  return (opts: Parameters<typeof callRoute>[3] = {}) => callRoute(handler, method, path, opts);
}

/** The session cookie's value a response sets. */
export const cookieOf = (res: { headers: Headers }) =>
  /tandem_session=([^;]*)/.exec(res.headers.get("set-cookie") ?? "")?.[1];
