/** Passwords: argon2id (OWASP's parameters: 19 MiB, 2 passes), and the rules a new password must meet. */
import { hash, verify } from "@node-rs/argon2";
import { z } from "zod";

/** `algorithm: 2` is Argon2id (the package's const enum cannot be imported under isolatedModules). */
const OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const ZPassword = z
  .string()
  .min(12, "must be at least 12 characters")
  .max(256, "must be at most 256 characters");

export const ZUsername = z
  .string()
  .regex(
    /^[a-z][a-z0-9._-]{1,31}$/,
    "must be 2-32 lower-case letters, digits, dots, dashes or underscores, starting with a letter",
  );

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** A hash to verify against when the account does not exist, so that "no such user" takes as long as a wrong password. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword("decoy password that matches nothing");
  return decoy;
}
