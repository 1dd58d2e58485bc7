/**
 * WebAuthn security keys (and passkeys) as a second factor beside the authenticator app (S6), through
 * @simplewebauthn/server: no hand-written CBOR or signature checks. The relying party is the panel as the browser
 * reached it: its origin (already checked to be the request's own) and that origin's host name as the RP ID.
 * Each ceremony's challenge is kept here, in memory, for one use within 5 minutes, bound to the session that asked.
 */
import crypto from "node:crypto";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { z } from "zod";
import type { Db } from "../db";
import { AppError } from "../errors";
import type { SecurityKey, User } from "../../generated/prisma/client";

export interface RelyingParty {
  /** The panel's origin as the browser sent it, e.g. "https://tandem.example.net". */
  origin: string;
  /** Its host name: WebAuthn's RP ID. */
  rpID: string;
}

/** The RP from a request's Origin (same-origin already checked by the API wrapper). IP addresses cannot be RP IDs. */
export function relyingParty(origin: string | null): RelyingParty {
  let url: URL | null = null;
  try {
    url = origin ? new URL(origin) : null;
  } catch {
    url = null;
  }
  if (!url)
    throw new AppError("VALIDATION_FAILED", "security keys need the request's Origin", {
      details: { field: "origin", rule: "must be sent by the browser" },
    });
  const host = url.hostname;
  if (/^[\d.]+$/.test(host) || host.startsWith("["))
    throw new AppError("CONFLICT", `security keys cannot work at ${host}`, {
      userMessage:
        "Security keys work only when the panel is reached by a host name (such as localhost or tandem.example.net), not by an IP address.",
      details: { rule: "WebAuthn needs a domain name, not an IP address" },
    });
  return { origin: url.origin, rpID: host };
}

/** What the browser sends back from navigator.credentials.create/get (checked by the library, not trusted here). */
export const ZCredentialResponse = z
  .object({
    id: z.string().min(1).max(1024),
    rawId: z.string().min(1).max(1024),
    type: z.literal("public-key"),
    response: z.record(z.string(), z.unknown()),
    clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
    authenticatorAttachment: z.string().max(40).optional(),
  })
  .passthrough();

export const ZKeyName = z
  .string()
  .trim()
  .min(1, "is required")
  .max(60, "must be at most 60 characters")
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), "must not contain control characters");

const CHALLENGE_MS = 5 * 60_000;

type Purpose = "register" | "sign-in" | "step-up";

export class SecurityKeys {
  /** `${sessionId}:${purpose}` → the challenge handed out and when it expires. */
  private readonly challenges = new Map<string, { challenge: string; expires: number }>();

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  private remember(sessionId: string, purpose: Purpose, challenge: string): void {
    for (const [k, v] of this.challenges) if (v.expires < this.now()) this.challenges.delete(k);
    this.challenges.set(`${sessionId}:${purpose}`, { challenge, expires: this.now() + CHALLENGE_MS });
  }

  /** The challenge for this session and purpose, once: a second use (a replayed answer) finds none. */
  private take(sessionId: string, purpose: Purpose): string {
    const key = `${sessionId}:${purpose}`;
    const held = this.challenges.get(key);
    this.challenges.delete(key);
    if (!held || held.expires < this.now())
      throw new AppError("UNAUTHENTICATED", `no ${purpose} challenge pending`, {
        userMessage: "The security key request expired or was used already: try again.",
      });
    return held.challenge;
  }

  async list(userId: string): Promise<SecurityKey[]> {
    return this.db.securityKey.findMany({ where: { userId }, orderBy: { createdAt: "asc" } });
  }

  async count(userId: string): Promise<number> {
    return this.db.securityKey.count({ where: { userId } });
  }

  async registrationOptions(user: User, sessionId: string, rp: RelyingParty) {
    const existing = await this.list(user.id);
    const options = await generateRegistrationOptions({
      rpName: "Tandem",
      rpID: rp.rpID,
      userName: user.username,
      userID: new TextEncoder().encode(user.id),
      attestationType: "none",
      excludeCredentials: existing.map((k) => ({ id: k.id, transports: transportsOf(k) })),
      authenticatorSelection: { residentKey: "discouraged", userVerification: "preferred" },
    });
    this.remember(sessionId, "register", options.challenge);
    return options;
  }

  async register(
    user: User,
    sessionId: string,
    rp: RelyingParty,
    name: string,
    response: unknown,
  ): Promise<SecurityKey> {
    const expectedChallenge = this.take(sessionId, "register");
    const result = await verifyRegistrationResponse({
      response: response as RegistrationResponseJSON,
      expectedChallenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.rpID,
      requireUserVerification: false,
    }).catch((err: unknown) => {
      throw refused(err);
    });
    if (!result.verified) throw refused(null);
    const c = result.registrationInfo.credential;
    if (await this.db.securityKey.findUnique({ where: { id: c.id } }))
      throw new AppError("CONFLICT", "this security key is registered already", {
        details: { rule: "a key is registered once" },
      });
    return this.db.securityKey.create({
      data: {
        id: c.id,
        userId: user.id,
        name,
        publicKey: Buffer.from(c.publicKey).toString("base64url"),
        counter: c.counter,
        transports: JSON.stringify(c.transports ?? []),
        createdAt: new Date(this.now()),
      },
    });
  }

  /** Options for an assertion by one of `user`'s keys (sign-in's second step or step-up). */
  async authenticationOptions(
    user: User,
    sessionId: string,
    rp: RelyingParty,
    purpose: "sign-in" | "step-up",
  ) {
    const keys = await this.list(user.id);
    if (keys.length === 0)
      throw new AppError("CONFLICT", `${user.username} has no security key`, {
        userMessage: "No security key is registered for this account.",
        details: { rule: "a registered security key" },
      });
    const options = await generateAuthenticationOptions({
      rpID: rp.rpID,
      allowCredentials: keys.map((k) => ({ id: k.id, transports: transportsOf(k) })),
      userVerification: "preferred",
    });
    this.remember(sessionId, purpose, options.challenge);
    return options;
  }

  /**
   * True when `response` is a fresh assertion by one of `user`'s own keys for the challenge this session was
   * given; a counter that does not move forward (a cloned key) is refused. Never throws for a bad answer.
   */
  async verify(
    user: User,
    sessionId: string,
    rp: RelyingParty,
    purpose: "sign-in" | "step-up",
    response: unknown,
  ): Promise<boolean> {
    let expectedChallenge: string;
    try {
      expectedChallenge = this.take(sessionId, purpose);
    } catch {
      return false;
    }
    const id = (response as { id?: unknown } | null)?.id;
    const key =
      typeof id === "string" ? await this.db.securityKey.findFirst({ where: { id, userId: user.id } }) : null;
    if (!key) return false;
    try {
      const result = await verifyAuthenticationResponse({
        response: response as AuthenticationResponseJSON,
        expectedChallenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.rpID,
        credential: {
          id: key.id,
          publicKey: Buffer.from(key.publicKey, "base64url"),
          counter: key.counter,
          transports: transportsOf(key),
        },
        requireUserVerification: false,
      });
      if (!result.verified) return false;
      // Only forward: an update that finds the counter moved meanwhile (a parallel use) claims nothing.
      const claimed = await this.db.securityKey.updateMany({
        where: { id: key.id, counter: key.counter },
        data: { counter: result.authenticationInfo.newCounter, lastUsedAt: new Date(this.now()) },
      });
      return claimed.count === 1;
    } catch {
      return false;
    }
  }

  async remove(userId: string, id: string): Promise<void> {
    const gone = await this.db.securityKey.deleteMany({ where: { id, userId } });
    if (gone.count === 0)
      throw new AppError("NOT_FOUND", `security key ${id}`, {
        userMessage: "No such security key on your account.",
      });
  }

  async removeAll(userId: string): Promise<void> {
    await this.db.securityKey.deleteMany({ where: { userId } });
  }
}

function transportsOf(
  k: SecurityKey,
): Array<"usb" | "nfc" | "ble" | "internal" | "hybrid" | "cable" | "smart-card"> {
  try {
    return JSON.parse(k.transports) as ReturnType<typeof transportsOf>;
  } catch {
    return [];
  }
}

function refused(err: unknown): AppError {
  return new AppError(
    "VALIDATION_FAILED",
    `the security key's answer was refused: ${String(err ?? "not verified")}`,
    {
      userMessage:
        "The security key's answer was refused (wrong origin, expired request or an unreadable answer).",
      details: { field: "response", rule: "a WebAuthn answer to this panel's challenge" },
    },
  );
}

/** What the API shows of a key. */
export function publicKeyOf(k: SecurityKey) {
  return {
    id: k.id,
    name: k.name,
    createdAt: k.createdAt.toISOString(),
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    // A short, stable label for the list (the full id is the key's, not a secret, but long).
    label: crypto.createHash("sha256").update(k.id).digest("hex").slice(0, 8),
  };
}
