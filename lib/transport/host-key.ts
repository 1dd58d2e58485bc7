import { createHash } from "node:crypto";
import { AppError } from "../errors";

/**
 * OpenSSH's fingerprint of a public-key blob (the raw key as sent in the handshake, or the base64
 * field of a `.pub` line), as `ssh-keygen -lf` prints it: "SHA256:" + unpadded base64 of the digest.
 */
export function fingerprintSha256(key: Buffer): string {
  return `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`;
}

const SHA256_FINGERPRINT = /^SHA256:([A-Za-z0-9+/]{43})=?$/;

/** Validates a pinned fingerprint ("SHA256:<43 base64 chars>", padding tolerated) and returns the canonical form. */
export function normalizeFingerprint(s: string): string {
  const base64 = SHA256_FINGERPRINT.exec(s.trim())?.[1];
  const digest = base64 === undefined ? undefined : Buffer.from(base64, "base64");
  // 43 base64 chars carry 258 bits; the last char must leave the two spare bits zero to be canonical.
  if (
    digest === undefined ||
    digest.length !== 32 ||
    digest.toString("base64").replace(/=+$/, "") !== base64
  ) {
    throw new AppError(
      "VALIDATION_FAILED",
      "host key fingerprint must look like SHA256:<base64 of 32 bytes>",
      {
        details: { field: "hostKeySha256", rule: "SHA256:<43 base64 characters>" },
      },
    );
  }
  return `SHA256:${base64}`;
}
