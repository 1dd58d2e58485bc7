/**
 * The one wrapper every API route goes through: input validation → authorization → one service call,
 * with AppError mapped to an HTTP status and a JSON body `{ error: { code, message, details? } }`.
 */
import { z } from "zod";
import { AppError, toAppError } from "../errors";
import { getRuntime, type Runtime } from "../runtime";

/**
 * Permissions are declared next to each handler; accounts and roles arrive with issue 8 (for now: local-only
 * panel). `agent:install` will be an admin's.
 */
export type Permission =
  "farm:read" | "agent:install" | "sim:fault" | "runbook:run" | "resource:create" | "settings:write";

/** A handler's answer with another status than 200 (202 Accepted for a job that starts). */
export class ApiResponse {
  constructor(
    readonly status: number,
    readonly body: unknown,
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

/**
 * A state-changing request must come from the panel's own pages: browsers send `Sec-Fetch-Site` and `Origin`
 * on cross-site requests, so a page elsewhere cannot make a visitor's browser POST here (CSRF). Clients
 * without a browser (curl, scripts) send neither and pass; issue 8 adds sessions and tokens.
 */
function checkSameOrigin(request: Request): void {
  const site = request.headers.get("sec-fetch-site");
  const origin = request.headers.get("origin");
  const host = request.headers.get("host");
  const crossSite =
    (site !== null && site !== "same-origin" && site !== "none") ||
    (origin !== null && (host === null || origin.replace(/^https?:\/\//, "") !== host));
  if (crossSite)
    throw new AppError(
      "FORBIDDEN",
      `cross-site ${request.method} refused (origin ${origin ?? "?"}, site ${site ?? "?"})`,
      {
        userMessage: "Requests that change state must come from the panel's own pages.",
      },
    );
}

export function apiRoute<
  Q extends z.ZodType = EmptySchema,
  P extends z.ZodType = EmptySchema,
  B extends z.ZodType = z.ZodUndefined,
>(def: {
  permission: Permission;
  query?: Q;
  params?: P;
  body?: B;
  handler: (ctx: RouteContext<z.output<Q>, z.output<P>, z.output<B>>) => Promise<unknown>;
}): (request: Request, context?: { params?: Promise<Record<string, string>> }) => Promise<Response> {
  return async (request, context) => {
    try {
      const runtime = getRuntime();
      if (!runtime)
        throw new AppError("INTERNAL", "the panel runtime is not started (run the app through server.ts)");
      if (request.method !== "GET" && request.method !== "HEAD") checkSameOrigin(request);
      const query: z.output<Q> = validate(
        (def.query ?? z.object({}).strict()) as Q,
        Object.fromEntries(new URL(request.url).searchParams),
        "query",
      );
      const params: z.output<P> = validate(
        (def.params ?? z.object({}).strict()) as P,
        (await context?.params) ?? {},
        "path",
      );
      const body: z.output<B> = def.body
        ? validateBody(def.body, await readJson(request))
        : (undefined as z.output<B>);
      authorize(def.permission);
      const result = await def.handler({ query, params, body, request, runtime });
      if (result instanceof ApiResponse)
        return Response.json(result.body, {
          status: result.status,
          headers: { "cache-control": "no-store" },
        });
      return Response.json(result, { headers: { "cache-control": "no-store" } });
    } catch (err) {
      const error = toAppError(err);
      if (error.code === "INTERNAL") console.error("api:", err);
      // Only what a client needs to act on: the field and rule of bad input; a conflict's rule, the job that holds
      // the lock and a refused plan's blockers. Never command output or paths.
      const details =
        error.code === "VALIDATION_FAILED"
          ? { field: error.details.field, rule: error.details.rule }
          : error.code === "CONFLICT" && error.details.rule !== undefined
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
}

function authorize(_permission: Permission): void {
  // Until accounts exist the panel listens on 127.0.0.1 only (lib/env.ts HOST); issue 8 enforces roles here.
}
