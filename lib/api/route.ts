/**
 * The one wrapper every API route goes through: input validation → authorization → one service call,
 * with AppError mapped to an HTTP status and a JSON body `{ error: { code, message, details? } }`.
 */
import { z } from "zod";
import { AppError, toAppError } from "../errors";
import { getRuntime, type Runtime } from "../runtime";

/** Permissions are declared next to each handler; accounts and roles arrive with issue 8 (for now: local-only panel). */
export type Permission = "farm:read";

export interface RouteContext<Q> {
  query: Q;
  request: Request;
  runtime: Runtime;
}

export function apiRoute<Q extends z.ZodType = z.ZodObject<Record<string, never>>>(def: {
  permission: Permission;
  query?: Q;
  handler: (ctx: RouteContext<z.output<Q>>) => Promise<unknown>;
}): (request: Request) => Promise<Response> {
  return async (request) => {
    try {
      const runtime = getRuntime();
      if (!runtime)
        throw new AppError("INTERNAL", "the panel runtime is not started (run the app through server.ts)");
      const params = Object.fromEntries(new URL(request.url).searchParams);
      const parsed = (def.query ?? z.object({}).strict()).safeParse(params);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue?.path.join(".") || Object.keys(params)[0] || "query";
        throw new AppError("VALIDATION_FAILED", `${field}: ${issue?.message ?? "invalid"}`, {
          userMessage: `Invalid ${field}: ${issue?.message ?? "invalid"}`,
          details: { field, rule: issue?.message ?? "invalid" },
        });
      }
      authorize(def.permission);
      const body = await def.handler({ query: parsed.data as z.output<Q>, request, runtime });
      return Response.json(body, { headers: { "cache-control": "no-store" } });
    } catch (err) {
      const error = toAppError(err);
      if (error.code === "INTERNAL") console.error("api:", err);
      const details =
        error.code === "VALIDATION_FAILED"
          ? { field: error.details.field, rule: error.details.rule }
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
