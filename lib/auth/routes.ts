/** Pieces the auth routes share: the cookie of a new session, and the input schemas. */
import { z } from "zod";
import { ApiResponse } from "../api/route";
import { sessionCookie } from "./http";
import { ZPassword, ZUsername } from "./passwords";
import type { AuthService } from "./service";

export const ZCredentials = z
  .object({
    username: z.string().min(1, "is required").max(64, "must be at most 64 characters"),
    password: z.string().min(1, "is required").max(256, "must be at most 256 characters"),
  })
  .strict();

export const ZNewAccount = z.object({ username: ZUsername, password: ZPassword }).strict();

export const ZCode = z
  .string()
  .regex(
    /^(\d{6}|[a-zA-Z0-9]{5}-?[a-zA-Z0-9]{5})$/,
    "must be a 6-digit code or a recovery code (xxxxx-xxxxx)",
  );

/** The answer to a completed sign-in: the session cookie (rotated: always a new session id). */
export function signedIn(
  auth: AuthService,
  token: string,
  https: boolean,
  body: unknown,
  status = 200,
): ApiResponse {
  return new ApiResponse(status, body, [
    ["set-cookie", sessionCookie(token, https, Math.floor(auth.settings.absoluteMs / 1000))],
  ]);
}
