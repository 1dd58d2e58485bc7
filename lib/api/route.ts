/**
 * The one wrapper every API route goes through: input validation → authorization → one service call,
 * with AppError mapped to an HTTP status and a JSON body `{ error: { code, message, details? } }`.
 */
import { z } from "zod";
import { AppError, toAppError } from "../errors";
import { getRuntime, type Runtime } from "../runtime";
import { allows, PERMISSIONS, permits, type Permission } from "../auth/roles";
import { actorName, type ClientInfo, type Principal } from "../auth/service";
import { bearerFrom, PEER_HEADER, PROTO_HEADER, sameOrigin, sessionTokenFrom } from "../auth/http";

export type { Permission } from "../auth/roles";
/** A handler's answer with another status than 200 (202 Accepted for a job that starts). */
export class ApiResponse {
  constructor(
    readonly status: number,
    readonly body: unknown,
    /** Extra headers (Set-Cookie of the sign-in routes). */
    readonly headers: Array<[string, string]> = [],
  ) {}
}

export interface RouteContext<Q, P, B = undefined> {
  query: Q;
  /** The JSON body, validated (routes that declare `body`). */
  body: B;
  /** The route's path segments (`[name]`), validated. */
  params: P;
  request: Request;
  runtime: Runtime;
  /** Who is asking (null only on public routes). */
  principal: Principal | null;
  /** The caller's address and browser, as the panel's server saw them. */
  client: ClientInfo;
  /** Whether the request came over HTTPS (the cookie is then Secure). */
  https: boolean;
  /** A further permission for part of the request (a forced promotion): 403 and audited when missing. */
  require: (permission: Permission) => void;
}

type EmptySchema = z.ZodObject<Record<string, never>>;

function validate<S extends z.ZodType>(schema: S, value: Record<string, string>, where: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.join(".") || Object.keys(value)[0] || where;
  throw new AppError("VALIDATION_FAILED", `${field}: ${issue?.message ?? "invalid"}`, {
    userMessage: `Invalid ${field}: ${issue?.message ?? "invalid"}`,
    details: { field, rule: issue?.message ?? "invalid" },
  });
}

async function readJson(request: Request): Promise<unknown> {
  const text = await request.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("VALIDATION_FAILED", "body: not JSON", {
      userMessage: "Invalid body: must be a JSON object",
      details: { field: "body", rule: "must be a JSON object" },
    });
  }
}

function validateBody<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const unknownKey = issue?.code === "unrecognized_keys" ? issue.keys[0] : undefined;
  const field = unknownKey ?? (issue?.path.join(".") || "body");
  const rule = unknownKey ? "is not a known field" : (issue?.message ?? "invalid");
  throw new AppError("VALIDATION_FAILED", `${field}: ${rule}`, {
    userMessage: `Invalid ${field}: ${rule}`,
    details: { field, rule },
  });
}

/** Every route module's handlers, for the authorization matrix test (tests/integration/authz-matrix.test.ts). */
export interface RouteDeclaration {
  permission: Permission | "public";
  stepUp: boolean;
  sessionOnly: boolean;
}
const DECLARATION = Symbol.for("tandem.route");
export function routeDeclaration(handler: unknown): RouteDeclaration | undefined {
  return (handler as { [DECLARATION]?: RouteDeclaration } | undefined)?.[DECLARATION];
}

/** For `stepUp`: every request but a dry run (`"dryRun": true` in the body, or `?dryRun=true`). */
export function unlessDryRun(input: { query: unknown; body: unknown }): boolean {
  const inBody = (input.body as { dryRun?: unknown } | undefined)?.dryRun === true;
  const inQuery = (input.query as { dryRun?: unknown } | undefined)?.dryRun === "true";
  return !(inBody || inQuery);
}

/** Step-up: a proof of password (and code) within the last 5 minutes (lib/auth/service.ts). */
function stepUpRequired(): AppError {
  return new AppError("STEP_UP_REQUIRED", "step-up required", {
    userMessage: "Confirm your password to do this.",
  });
}

export function apiRoute<
  Q extends z.ZodType = EmptySchema,
  P extends z.ZodType = EmptySchema,
  B extends z.ZodType = z.ZodUndefined,
>(def: {
  /** The permission the caller needs (lib/auth/roles.ts); "public": the sign-in and first-run routes only. */
  permission: Permission | "public";
  /**
   * A dangerous action: the caller must have proved their password within the last 5 minutes (a dry run is not
   * dangerous: pass a function that looks at the request).
   */
  stepUp?: boolean | ((input: { query: z.output<Q>; body: z.output<B> }) => boolean);
  /** For signed-in people only: an API token is refused (minting tokens, step-up, two-factor set-up, sign-out). */
  sessionOnly?: boolean;
  /** Whether the wrapper writes the audit entry (default: for every request that is not a GET). */
  audit?: boolean;
  query?: Q;
  params?: P;
  body?: B;
  handler: (ctx: RouteContext<z.output<Q>, z.output<P>, z.output<B>>) => Promise<unknown>;
}): (request: Request, context?: { params?: Promise<Record<string, string>> }) => Promise<Response> {
  const route = async (request: Request, context?: { params?: Promise<Record<string, string>> }) => {
    const url = new URL(request.url);
    const client: ClientInfo = {
      address: request.headers.get(PEER_HEADER) ?? "unknown",
      userAgent: request.headers.get("user-agent") ?? "",
    };
    const https = request.headers.get(PROTO_HEADER) === "https";
    const mutating = request.method !== "GET" && request.method !== "HEAD";
    let principal: Principal | null = null;
    let params: Record<string, string> = {};
    let auditTarget: string | null = null;
    const runtime = getRuntime();
    const audit = async (result: "ok" | "refused" | "failed", detail: string) => {
      if (!runtime?.audit) return;
      await runtime.audit
        .append({
          actor: actorName(principal),
          action: `${request.method} ${url.pathname}`,
          target: auditTarget,
          address: client.address,
          result,
          detail,
        })
        .catch((err: unknown) => console.error("audit: cannot append:", err));
    };
    const refuse = (permission: Permission) => {
      if (!principal)
        throw new AppError("UNAUTHENTICATED", `${request.method} ${url.pathname}: not signed in`);
      if (permits(principal, permission)) return;
      if (allows(principal.role, permission))
        throw new AppError("FORBIDDEN", `${principal.username} must set up two-factor sign-in first`, {
          userMessage: "Set up two-factor sign-in first: an administrator requires it for your account.",
          details: { rule: "two-factor sign-in required" },
        });
      throw new AppError(
        "FORBIDDEN",
        `${principal.username} (${principal.role}) lacks ${permission} (${PERMISSIONS[permission]})`,
        { userMessage: `This needs the ${PERMISSIONS[permission]} role.` },
      );
    };
    try {
      if (!runtime)
        throw new AppError("INTERNAL", "the panel runtime is not started (run the app through server.ts)");
      params = (await context?.params) ?? {};
      auditTarget = Object.values(params).join("/") || null;
      // Who: an API token (no cookie, so no CSRF), or the session cookie of a browser.
      const bearer = bearerFrom(request.headers.get("authorization"));
      if (bearer === null) throw new AppError("UNAUTHENTICATED", "malformed Authorization header");
      if (bearer !== undefined) {
        principal = await runtime.auth.authenticateToken(bearer);
        if (!principal) throw new AppError("UNAUTHENTICATED", "unknown or revoked API token");
      } else {
        // A browser's request that changes state must come from the panel's own pages (CSRF), signed in or not.
        if (mutating && !sameOrigin(request.headers))
          throw new AppError(
            "FORBIDDEN",
            `cross-site ${request.method} refused (origin ${request.headers.get("origin") ?? "?"}, site ${request.headers.get("sec-fetch-site") ?? "?"})`,
            { userMessage: "Requests that change state must come from the panel's own pages." },
          );
        const token = sessionTokenFrom(request.headers.get("cookie"));
        principal = token ? await runtime.auth.authenticateSession(token) : null;
      }
      if (def.permission !== "public") refuse(def.permission);
      if (def.sessionOnly && principal?.via === "token")
        throw new AppError("FORBIDDEN", `${request.method} ${url.pathname} with an API token`, {
          userMessage: "This is for a signed-in person, not an API token.",
        });
      const query: z.output<Q> = validate(
        (def.query ?? z.object({}).strict()) as Q,
        Object.fromEntries(url.searchParams),
        "query",
      );
      const validParams: z.output<P> = validate((def.params ?? z.object({}).strict()) as P, params, "path");
      const body: z.output<B> = def.body
        ? validateBody(def.body, await readJson(request))
        : (undefined as z.output<B>);
      const needsStepUp =
        typeof def.stepUp === "function" ? def.stepUp({ query, body }) : def.stepUp === true;
      if (needsStepUp && (!principal || !runtime.auth.steppedUp(principal))) throw stepUpRequired();
      const result = await def.handler({
        query,
        params: validParams,
        body,
        request,
        runtime,
        principal,
        client,
        https,
        require: refuse,
      });
      if (mutating && def.audit !== false)
        await audit("ok", String(result instanceof ApiResponse ? result.status : 200));
      if (result instanceof ApiResponse) {
        const headers = new Headers({ "cache-control": "no-store" });
        for (const [k, v] of result.headers) headers.append(k, v);
        return Response.json(result.body, { status: result.status, headers });
      }
      return Response.json(result, { headers: { "cache-control": "no-store" } });
    } catch (err) {
      const error = toAppError(err);
      if (error.code === "INTERNAL") console.error("api:", err);
      const refused = ["UNAUTHENTICATED", "FORBIDDEN", "STEP_UP_REQUIRED", "TOO_MANY_ATTEMPTS"].includes(
        error.code,
      );
      // Every refused authorization is in the audit trail, reads included; other failures of changes too.
      if ((refused || mutating) && def.audit !== false)
        await audit(refused ? "refused" : "failed", `${error.httpStatus} ${error.code}: ${error.message}`);
      // Only what a client needs to act on: the field and rule of bad input; a conflict's rule, the job that holds
      // the lock and a refused plan's blockers. Never command output or paths.
      const details =
        error.code === "VALIDATION_FAILED"
          ? { field: error.details.field, rule: error.details.rule }
          : (error.code === "CONFLICT" || error.code === "FORBIDDEN") && error.details.rule !== undefined
            ? {
                rule: error.details.rule,
                ...(error.details.jobId === undefined ? {} : { jobId: error.details.jobId }),
                ...(error.details.blockers === undefined ? {} : { blockers: error.details.blockers }),
              }
            : undefined;
      return Response.json(
        { error: { code: error.code, message: error.userMessage, ...(details ? { details } : {}) } },
        { status: error.httpStatus, headers: { "cache-control": "no-store" } },
      );
    }
  };
  const declaration: RouteDeclaration = {
    permission: def.permission,
    stepUp: def.stepUp !== undefined && def.stepUp !== false,
    sessionOnly: def.sessionOnly === true,
  };
  return Object.assign(route, { [DECLARATION]: declaration });
}
