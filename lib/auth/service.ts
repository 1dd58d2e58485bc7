/**
 * Accounts, sessions, two-factor sign-in and API tokens. All state is on the server: a session is a random cookie
 * value whose SHA-256 is the Session row's id, and its `stage` says whether the second factor is still owed; no
 * flag the client sends can skip a step. Failed passwords and codes lock the account after `lockAfter` in a row
 * and are rate-limited per address.
 */
import crypto from "node:crypto";
import { Secret, TOTP } from "otpauth";
import QRCode from "qrcode";
import type { Db } from "../db";
import { AppError } from "../errors";
import { type RelyingParty, SecurityKeys } from "./security-keys";
import type { AuditLog } from "../audit/log";
import { decoyHash, hashPassword, verifyPassword } from "./passwords";
import { canChangeState, isRole, roleAtMost, type Role } from "./roles";
import type { SecretBox } from "./secret-box";
import type { User } from "../../generated/prisma/client";

export interface AuthSettings {
  /** A session unused this long ends (ASVS: 15 minutes for a panel with root on the hosts). */
  idleMs: number;
  /** A session ends this long after sign-in, used or not. */
  absoluteMs: number;
  /** Failed passwords or codes in a row that lock the account (PVE's TOTP baseline: 8). */
  lockAfter: number;
  lockMs: number;
  /** Failed attempts from one address within `addressWindowMs` after which it must wait. */
  addressLimit: number;
  addressWindowMs: number;
  /** How long a proof of password (and code) counts for dangerous actions. */
  stepUpMs: number;
}

export const DEFAULT_AUTH_SETTINGS: AuthSettings = {
  idleMs: 15 * 60_000,
  absoluteMs: 8 * 3600_000,
  lockAfter: 8,
  lockMs: 15 * 60_000,
  addressLimit: 20,
  addressWindowMs: 5 * 60_000,
  stepUpMs: 5 * 60_000,
};

/** Who a request acts for. */
export interface Principal {
  via: "session" | "token";
  userId: string;
  username: string;
  role: Role;
  /** The session's id (hash), for sign-out and step-up. */
  sessionId?: string;
  stepUpAt?: Date | null;
  tokenId?: string;
  tokenName?: string;
  /** Two-factor is required for this account and not set up yet: only setting it up is allowed. */
  mustEnroll: boolean;
}

/** How the audit trail names a principal. */
export function actorName(p: Principal | null): string {
  if (!p) return "anonymous";
  return p.via === "token" ? `${p.username} (token ${p.tokenName ?? "?"})` : p.username;
}

export interface ClientInfo {
  address: string;
  userAgent: string;
}

export type SignInResult = {
  stage: "full" | "password";
  sessionToken: string;
  username: string;
  userId: string;
};

const sha256 = (s: string) => crypto.createHash("sha256").update(s).digest("hex");
const randomToken = (bytes = 32) => crypto.randomBytes(bytes).toString("base64url");

/** API tokens are recognisable in logs and secret scanners. */
export const TOKEN_PREFIX = "tdm_";
const RECOVERY_CODES = 10;
/** No 0/o, 1/l/i: read off paper without doubt. */
const RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";
const TOTP_PERIOD = 30;

export const SECURITY_SETTING_KEY = "security";

export class AuthService {
  private adminKnown = false;
  private readonly failuresByAddress = new Map<string, number[]>();
  private readonly endedListeners = new Set<(sessionIds: string[]) => void>();
  /** WebAuthn security keys, a second factor beside the authenticator app. */
  readonly keys: SecurityKeys;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    private readonly box: SecretBox,
    readonly settings: AuthSettings = DEFAULT_AUTH_SETTINGS,
    private readonly now: () => number = Date.now,
  ) {
    this.keys = new SecurityKeys(db, now);
  }

  /** Called with the ids of sessions that ended (sign-out, admin, disabled account): open sockets close. */
  onSessionsEnded(listener: (sessionIds: string[]) => void): () => void {
    this.endedListeners.add(listener);
    return () => this.endedListeners.delete(listener);
  }

  async adminExists(): Promise<boolean> {
    if (this.adminKnown) return true;
    this.adminKnown = (await this.db.user.count({ where: { role: "admin", disabledAt: null } })) > 0;
    return this.adminKnown;
  }

  /** The first admin: only while no admin exists (the setup page and `npm run tandem -- create-admin`). */
  async createFirstAdmin(
    input: { username: string; password: string },
    actor: string,
    address: string | null,
  ) {
    const passwordHash = await hashPassword(input.password);
    const user = await this.db.$transaction(async (tx) => {
      if ((await tx.user.count({ where: { role: "admin" } })) > 0)
        throw new AppError("CONFLICT", "an admin exists already", {
          userMessage: "An administrator exists already: sign in instead.",
          details: { rule: "only while no administrator exists" },
        });
      return tx.user.create({ data: { username: input.username, passwordHash, role: "admin" } });
    });
    this.adminKnown = true;
    await this.audit.append({
      actor,
      action: "user.create-first-admin",
      target: user.username,
      address,
      result: "ok",
    });
    return publicUser(user);
  }

  // ---- sign-in ---------------------------------------------------------------------------------------------------

  private addressBlocked(address: string): boolean {
    const since = this.now() - this.settings.addressWindowMs;
    const list = (this.failuresByAddress.get(address) ?? []).filter((t) => t > since);
    this.failuresByAddress.set(address, list);
    return list.length >= this.settings.addressLimit;
  }

  private noteAddressFailure(address: string): void {
    const list = this.failuresByAddress.get(address) ?? [];
    list.push(this.now());
    this.failuresByAddress.set(address, list);
  }

  private tooMany(what: string): AppError {
    return new AppError("TOO_MANY_ATTEMPTS", what);
  }

  /** A failed password or code for `user`: counts toward its lockout. */
  private async noteUserFailure(user: User): Promise<void> {
    const failed = user.failedCount + 1;
    const lock = failed >= this.settings.lockAfter;
    await this.db.user.update({
      where: { id: user.id },
      data: {
        failedCount: lock ? 0 : failed,
        ...(lock ? { lockedUntil: new Date(this.now() + this.settings.lockMs) } : {}),
      },
    });
    if (lock)
      await this.audit.append({
        actor: user.username,
        action: "account.locked",
        target: user.username,
        address: null,
        result: "refused",
        detail: `${failed} failed attempts in a row`,
      });
  }

  private locked(user: User): boolean {
    return user.lockedUntil !== null && user.lockedUntil.getTime() > this.now();
  }

  /** Step one: the password. Two-factor accounts get a session that can only send its code. */
  async signIn(input: { username: string; password: string }, client: ClientInfo): Promise<SignInResult> {
    const audit = (result: "ok" | "refused", detail: string) =>
      this.audit.append({
        actor: input.username.slice(0, 64),
        action: "auth.sign-in",
        target: null,
        address: client.address,
        result,
        detail,
      });
    if (this.addressBlocked(client.address)) {
      await audit("refused", "too many failures from this address");
      throw this.tooMany(`sign-in from ${client.address}: too many failures`);
    }
    const user = await this.db.user.findUnique({ where: { username: input.username.toLowerCase() } });
    const ok = await verifyPassword(user?.passwordHash ?? (await decoyHash()), input.password);
    if (user && this.locked(user)) {
      await audit("refused", "account locked");
      throw this.tooMany(`sign-in as ${user.username}: account locked`);
    }
    if (!user || !ok || user.disabledAt) {
      this.noteAddressFailure(client.address);
      if (user && !ok) await this.noteUserFailure(user);
      await audit(
        "refused",
        !user ? "unknown user" : user.disabledAt ? "account disabled" : "wrong password",
      );
      throw new AppError("UNAUTHENTICATED", `sign-in as ${input.username}: refused`, {
        userMessage: "Wrong user name or password.",
      });
    }
    const stage = user.totpEnabled ? "password" : "full";
    const sessionToken = await this.newSession(user.id, stage, client);
    if (stage === "full") await this.db.user.update({ where: { id: user.id }, data: { failedCount: 0 } });
    await audit("ok", stage === "full" ? "signed in" : "password accepted, code owed");
    return { stage, sessionToken, username: user.username, userId: user.id };
  }

  /**
   * A new session. Signing in does not count as step-up: the first dangerous action of every session asks for the
   * password again, so a browser left signed in (or a stolen cookie) cannot fail over the farm without it.
   */
  private async newSession(userId: string, stage: string, client: ClientInfo): Promise<string> {
    const token = randomToken();
    await this.db.session.create({
      data: {
        id: sha256(token),
        userId,
        stage,
        address: client.address.slice(0, 100),
        userAgent: client.userAgent.slice(0, 300),
        createdAt: new Date(this.now()),
        lastSeenAt: new Date(this.now()),
      },
    });
    return token;
  }

  /**
   * Step two: the TOTP code or a recovery code for a session at stage "password". The half-signed-in session ends
   * and a new one (a new id) is issued: the id an attacker may have seen before sign-in is worthless after.
   */
  async signInCode(sessionToken: string | null, code: string, client: ClientInfo): Promise<string> {
    const session = await this.pendingSession(sessionToken);
    const user = session.user;
    await this.checkCode(user, code, client.address, "auth.sign-in-code");
    await this.db.session.update({ where: { id: session.id }, data: { endedAt: new Date(this.now()) } });
    return this.newSession(user.id, "full", client);
  }

  /** The half-signed-in session (password accepted, second factor owed) of `sessionToken`, or 401. */
  private async pendingSession(sessionToken: string | null) {
    const session = sessionToken
      ? await this.db.session.findUnique({ where: { id: sha256(sessionToken) }, include: { user: true } })
      : null;
    if (!session || session.stage !== "password" || session.endedAt || this.expired(session))
      throw new AppError("UNAUTHENTICATED", "second factor without a pending sign-in", {
        userMessage: "Sign in with your password first.",
      });
    return session;
  }

  /** Sign-in, step two with a security key: the challenge for the pending session. */
  async signInKeyOptions(sessionToken: string | null, rp: RelyingParty) {
    const session = await this.pendingSession(sessionToken);
    return this.keys.authenticationOptions(session.user, session.id, rp, "sign-in");
  }

  /** Sign-in, step two with a security key's answer; like a code, it ends the pending session for a new one. */
  async signInKey(sessionToken: string | null, rp: RelyingParty, response: unknown, client: ClientInfo) {
    const session = await this.pendingSession(sessionToken);
    await this.checkKey(session.user, session.id, rp, "sign-in", response, client.address);
    await this.db.session.update({ where: { id: session.id }, data: { endedAt: new Date(this.now()) } });
    return this.newSession(session.user.id, "full", client);
  }

  /** Checks a security key's answer like a code: the same rate limits, lockout and audit. */
  private checkKey(
    user: User,
    sessionId: string,
    rp: RelyingParty,
    purpose: "sign-in" | "step-up",
    response: unknown,
    address: string,
  ): Promise<void> {
    return this.checkFactor(
      user,
      address,
      `auth.${purpose}-key`,
      async () => ((await this.keys.verify(user, sessionId, rp, purpose, response)) ? "security key" : null),
      { detail: "security key answer refused", userMessage: "The security key's answer was refused." },
    );
  }

  /** Checks a TOTP or recovery code for `user` (rate limits and lockout apply); throws when wrong. */
  private checkCode(user: User, code: string, address: string, action: string): Promise<void> {
    return this.checkFactor(user, address, action, () => this.matchCode(user, code.replace(/\s+/g, "")), {
      detail: "wrong code",
      userMessage: "Wrong code.",
    });
  }

  /**
   * A second factor's check, whatever the factor: refused while the address is held back or the account locked;
   * `attempt` answers how it matched (for the audit) or null; a miss counts toward both limits, a match clears them.
   */
  private async checkFactor(
    user: User,
    address: string,
    action: string,
    attempt: () => Promise<string | null>,
    wrong: { detail: string; userMessage: string },
  ): Promise<void> {
    const audit = (result: "ok" | "refused", detail: string) =>
      this.audit.append({ actor: user.username, action, target: null, address, result, detail });
    if (this.addressBlocked(address)) {
      await audit("refused", "too many failures from this address");
      throw this.tooMany(`${action} from ${address}: too many failures`);
    }
    if (this.locked(user)) {
      await audit("refused", "account locked");
      throw this.tooMany(`${action} for ${user.username}: account locked`);
    }
    const how = await attempt();
    if (!how) {
      this.noteAddressFailure(address);
      await this.noteUserFailure(user);
      await audit("refused", wrong.detail);
      throw new AppError("UNAUTHENTICATED", `${action} for ${user.username}: ${wrong.detail}`, {
        userMessage: wrong.userMessage,
      });
    }
    await this.db.user.update({ where: { id: user.id }, data: { failedCount: 0 } });
    await audit("ok", how);
  }

  /** "totp" or "recovery code" when `code` is right (each TOTP step and each recovery code works once). */
  private async matchCode(user: User, code: string): Promise<string | null> {
    if (!user.totpEnabled || !user.totpSecretEnc) return null;
    if (/^\d{6}$/.test(code)) {
      const totp = this.totpFor(user);
      const delta = totp.validate({ token: code, timestamp: this.now(), window: 1 });
      if (delta === null) return null;
      const step = Math.floor(this.now() / 1000 / TOTP_PERIOD) + delta;
      // A code is never accepted twice (RFC 6238 §5.2): the update only matches while the last step is older.
      const claimed = await this.db.user.updateMany({
        where: { id: user.id, OR: [{ totpLastStep: null }, { totpLastStep: { lt: step } }] },
        data: { totpLastStep: step },
      });
      return claimed.count === 1 ? "totp" : null;
    }
    const normalized = code.toLowerCase().replace(/-/g, "");
    if (!/^[a-z0-9]{10}$/.test(normalized)) return null;
    const used = await this.db.recoveryCode.updateMany({
      where: { userId: user.id, codeHash: sha256(normalized), usedAt: null },
      data: { usedAt: new Date(this.now()) },
    });
    return used.count === 1 ? "recovery code" : null;
  }

  private totpFor(user: User, secretBase32?: string): TOTP {
    const secret = secretBase32 ?? this.box.open(user.totpSecretEnc ?? "", `totp:${user.id}`);
    return new TOTP({
      issuer: "Tandem",
      label: user.username,
      secret: Secret.fromBase32(secret),
      algorithm: "SHA1",
      digits: 6,
      period: TOTP_PERIOD,
    });
  }

  // ---- sessions and tokens ---------------------------------------------------------------------------------------

  private expired(s: { createdAt: Date; lastSeenAt: Date }): boolean {
    const now = this.now();
    return (
      now - s.lastSeenAt.getTime() > this.settings.idleMs ||
      now - s.createdAt.getTime() > this.settings.absoluteMs
    );
  }

  /** The principal of a session cookie's value, or null (unknown, ended, expired, half signed in, disabled). */
  async authenticateSession(sessionToken: string, opts: { touch?: boolean } = {}): Promise<Principal | null> {
    const session = await this.db.session.findUnique({
      where: { id: sha256(sessionToken) },
      include: { user: true },
    });
    if (!session || session.endedAt || session.stage !== "full" || session.user.disabledAt) return null;
    if (this.expired(session)) {
      await this.db.session.update({ where: { id: session.id }, data: { endedAt: new Date(this.now()) } });
      return null;
    }
    // Activity is written at most every 15 s: a dashboard's refetches must not write on every request.
    if (opts.touch !== false && this.now() - session.lastSeenAt.getTime() > 15_000)
      await this.db.session.update({ where: { id: session.id }, data: { lastSeenAt: new Date(this.now()) } });
    const user = session.user;
    return {
      via: "session",
      userId: user.id,
      username: user.username,
      role: isRole(user.role) ? user.role : "viewer",
      sessionId: session.id,
      stepUpAt: session.stepUpAt,
      mustEnroll: await this.mustEnroll(user),
    };
  }

  /** The principal of `Authorization: Bearer <token>`, or null. */
  async authenticateToken(token: string): Promise<Principal | null> {
    if (!token.startsWith(TOKEN_PREFIX)) return null;
    const row = await this.db.apiToken.findUnique({
      where: { tokenHash: sha256(token) },
      include: { user: true },
    });
    if (!row || row.revokedAt || row.user.disabledAt) return null;
    if (!row.lastUsedAt || this.now() - row.lastUsedAt.getTime() > 15_000)
      await this.db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date(this.now()) } });
    const userRole: Role = isRole(row.user.role) ? row.user.role : "viewer";
    const tokenRole: Role = isRole(row.role) ? row.role : "viewer";
    return {
      via: "token",
      userId: row.user.id,
      username: row.user.username,
      // A user demoted after creating the token: the token can do no more than the user now can.
      role: roleAtMost(tokenRole, userRole) ? tokenRole : userRole,
      tokenId: row.id,
      tokenName: row.name,
      mustEnroll: false,
    };
  }

  private async mustEnroll(user: User): Promise<boolean> {
    if (user.totpEnabled || !isRole(user.role) || !canChangeState(user.role)) return false;
    return (await this.securitySettings()).requireTwoFactor;
  }

  async securitySettings(): Promise<{ requireTwoFactor: boolean }> {
    const row = await this.db.setting.findUnique({ where: { key: SECURITY_SETTING_KEY } });
    if (!row) return { requireTwoFactor: false };
    try {
      const v = JSON.parse(row.valueJson) as { requireTwoFactor?: unknown };
      return { requireTwoFactor: v.requireTwoFactor === true };
    } catch {
      return { requireTwoFactor: false };
    }
  }

  async setSecuritySettings(value: { requireTwoFactor: boolean }): Promise<void> {
    const valueJson = JSON.stringify(value);
    await this.db.setting.upsert({
      where: { key: SECURITY_SETTING_KEY },
      create: { key: SECURITY_SETTING_KEY, valueJson },
      update: { valueJson },
    });
  }

  async signOut(sessionId: string): Promise<void> {
    await this.endSessions({ id: sessionId });
  }

  /** Ends every session of `userId` (sign-out everywhere, an admin's "end sessions", a disabled account). */
  async endUserSessions(userId: string): Promise<number> {
    return this.endSessions({ userId });
  }

  private async endSessions(where: { id?: string; userId?: string }): Promise<number> {
    const open = await this.db.session.findMany({ where: { ...where, endedAt: null }, select: { id: true } });
    if (open.length === 0) return 0;
    const ids = open.map((s) => s.id);
    await this.db.session.updateMany({ where: { id: { in: ids } }, data: { endedAt: new Date(this.now()) } });
    for (const listener of this.endedListeners) listener(ids);
    return ids.length;
  }

  /** Step-up: the password (and code, with two-factor) again; dangerous actions need one within `stepUpMs`. */
  async stepUp(
    principal: Principal,
    input: { password: string; code?: string | undefined; key?: unknown },
    client: ClientInfo,
    rp?: RelyingParty,
  ) {
    if (principal.via !== "session" || !principal.sessionId)
      throw new AppError("FORBIDDEN", "step-up needs a signed-in browser", {
        userMessage: "Step-up is for signed-in sessions; API tokens cannot do actions that need it.",
      });
    const user = await this.db.user.findUniqueOrThrow({ where: { id: principal.userId } });
    if (this.addressBlocked(client.address) || this.locked(user)) {
      await this.audit.append({
        actor: user.username,
        action: "auth.step-up",
        address: client.address,
        result: "refused",
        detail: "locked or rate-limited",
      });
      throw this.tooMany(`step-up for ${user.username}: too many failures`);
    }
    if (!(await verifyPassword(user.passwordHash, input.password))) {
      this.noteAddressFailure(client.address);
      await this.noteUserFailure(user);
      await this.audit.append({
        actor: user.username,
        action: "auth.step-up",
        address: client.address,
        result: "refused",
        detail: "wrong password",
      });
      throw new AppError("UNAUTHENTICATED", `step-up for ${user.username}: wrong password`, {
        userMessage: "Wrong password.",
        details: { field: "password" },
      });
    }
    // The password was right: earlier misses no longer count toward the lockout (a code's misses are checkCode's).
    await this.db.user.update({ where: { id: user.id }, data: { failedCount: 0 } });
    if (user.totpEnabled && input.key !== undefined && rp)
      await this.checkKey(user, principal.sessionId, rp, "step-up", input.key, client.address);
    else if (user.totpEnabled)
      await this.checkCode(user, input.code ?? "", client.address, "auth.step-up-code");
    else
      await this.audit.append({
        actor: user.username,
        action: "auth.step-up",
        address: client.address,
        result: "ok",
      });
    await this.db.session.update({
      where: { id: principal.sessionId },
      data: { stepUpAt: new Date(this.now()) },
    });
  }

  /** A challenge for a security key to answer in the step-up (beside the password). */
  async stepUpKeyOptions(principal: Principal, rp: RelyingParty) {
    if (principal.via !== "session" || !principal.sessionId)
      throw new AppError("FORBIDDEN", "step-up needs a signed-in browser");
    const user = await this.db.user.findUniqueOrThrow({ where: { id: principal.userId } });
    return this.keys.authenticationOptions(user, principal.sessionId, rp, "step-up");
  }

  /** Registering a security key: only beside an authenticator app, whose recovery codes are the way back. */
  async keyRegistrationOptions(principal: Principal, rp: RelyingParty) {
    const user = await this.db.user.findUniqueOrThrow({ where: { id: principal.userId } });
    if (!user.totpEnabled)
      throw new AppError("CONFLICT", `${user.username} has no two-factor sign-in`, {
        userMessage:
          "Set up the authenticator app first: its recovery codes are the way back if a security key is lost.",
        details: { rule: "two-factor with an authenticator app must be on" },
      });
    return this.keys.registrationOptions(user, principal.sessionId!, rp);
  }

  async registerKey(principal: Principal, rp: RelyingParty, name: string, response: unknown) {
    const user = await this.db.user.findUniqueOrThrow({ where: { id: principal.userId } });
    if (!user.totpEnabled) throw new AppError("CONFLICT", `${user.username} has no two-factor sign-in`);
    return this.keys.register(user, principal.sessionId!, rp, name, response);
  }

  /** Whether the principal proved its password within the step-up window. */
  steppedUp(principal: Principal): boolean {
    return (
      principal.via === "session" &&
      principal.stepUpAt != null &&
      this.now() - principal.stepUpAt.getTime() <= this.settings.stepUpMs
    );
  }

  // ---- two-factor set-up -----------------------------------------------------------------------------------------

  /** A new TOTP secret for the user (not active until confirmed with a code). */
  async beginTotp(userId: string): Promise<{ secret: string; uri: string; qrDataUrl: string }> {
    const user = await this.db.user.findUniqueOrThrow({ where: { id: userId } });
    if (user.totpEnabled)
      throw new AppError("CONFLICT", "two-factor is on already", {
        userMessage: "Two-factor sign-in is on already; turn it off first to set up a new device.",
        details: { rule: "two-factor must be off" },
      });
    const secret = new Secret({ size: 20 }).base32;
    await this.db.user.update({
      where: { id: userId },
      data: { totpSecretEnc: this.box.seal(secret, `totp:${userId}`), totpLastStep: null },
    });
    const uri = this.totpFor(user, secret).toString();
    return { secret, uri, qrDataUrl: await QRCode.toDataURL(uri, { margin: 1, scale: 5 }) };
  }

  /** Turns two-factor on with a first code from the device; returns the recovery codes (shown once). */
  async confirmTotp(userId: string, code: string, address: string): Promise<string[]> {
    const user = await this.db.user.findUniqueOrThrow({ where: { id: userId } });
    if (user.totpEnabled || !user.totpSecretEnc)
      throw new AppError("CONFLICT", "no two-factor set-up in progress", {
        userMessage: "Start the two-factor set-up first.",
        details: { rule: "set-up must be started" },
      });
    await this.checkCode(
      { ...user, totpEnabled: true },
      code.replace(/\s+/g, ""),
      address,
      "auth.totp-enable",
    );
    const codes = Array.from({ length: RECOVERY_CODES }, () =>
      Array.from({ length: 10 }, () => RECOVERY_ALPHABET[crypto.randomInt(RECOVERY_ALPHABET.length)]).join(
        "",
      ),
    );
    await this.db.$transaction([
      this.db.recoveryCode.deleteMany({ where: { userId } }),
      this.db.recoveryCode.createMany({ data: codes.map((c) => ({ userId, codeHash: sha256(c) })) }),
      this.db.user.update({ where: { id: userId }, data: { totpEnabled: true } }),
    ]);
    return codes.map((c) => `${c.slice(0, 5)}-${c.slice(5)}`);
  }

  /** Turns two-factor off (the user with a current code, or an admin resetting a lost device). */
  async disableTotp(userId: string): Promise<void> {
    await this.db.$transaction([
      this.db.recoveryCode.deleteMany({ where: { userId } }),
      // Security keys are a second factor only beside the app: with two-factor off they go too.
      this.db.securityKey.deleteMany({ where: { userId } }),
      this.db.user.update({
        where: { id: userId },
        data: { totpEnabled: false, totpSecretEnc: null, totpLastStep: null },
      }),
    ]);
  }

  /** For the signed-in user's own "turn off": their current code first. */
  async verifyOwnCode(userId: string, code: string, address: string): Promise<void> {
    const user = await this.db.user.findUniqueOrThrow({ where: { id: userId } });
    await this.checkCode(user, code, address, "auth.totp-disable");
  }

  // ---- users -----------------------------------------------------------------------------------------------------

  async listUsers() {
    const users = await this.db.user.findMany({ orderBy: { username: "asc" } });
    const now = new Date(this.now());
    const open = await this.db.session.groupBy({
      by: ["userId"],
      where: {
        endedAt: null,
        stage: "full",
        lastSeenAt: { gt: new Date(now.getTime() - this.settings.idleMs) },
      },
      _count: { _all: true },
    });
    const count = new Map(open.map((o) => [o.userId, o._count._all]));
    return users.map((u) => ({ ...publicUser(u), openSessions: count.get(u.id) ?? 0 }));
  }

  async createUser(input: { username: string; password: string; role: Role }) {
    if (await this.db.user.findUnique({ where: { username: input.username } }))
      throw new AppError("CONFLICT", `user ${input.username} exists`, {
        userMessage: `The user name ${input.username} is taken.`,
        details: { rule: "username must be unique" },
      });
    const user = await this.db.user.create({
      data: { username: input.username, passwordHash: await hashPassword(input.password), role: input.role },
    });
    if (input.role === "admin") this.adminKnown = true;
    return publicUser(user);
  }

  /** Role or disabled flag. The last active admin can be neither demoted nor disabled. */
  async updateUser(id: string, change: { role?: Role | undefined; disabled?: boolean | undefined }) {
    const user = await this.userById(id);
    const losesAdmin =
      user.role === "admin" && ((change.role && change.role !== "admin") || change.disabled === true);
    if (losesAdmin && (await this.db.user.count({ where: { role: "admin", disabledAt: null } })) <= 1)
      throw new AppError("CONFLICT", "the last admin cannot be demoted or disabled", {
        userMessage: "This is the only active administrator: make another one first.",
        details: { rule: "at least one active administrator" },
      });
    const updated = await this.db.user.update({
      where: { id },
      data: {
        ...(change.role ? { role: change.role } : {}),
        ...(change.disabled === undefined
          ? {}
          : { disabledAt: change.disabled ? new Date(this.now()) : null }),
      },
    });
    if (change.disabled === true || (change.role && change.role !== user.role))
      await this.endUserSessions(id);
    return publicUser(updated);
  }

  async setPassword(id: string, password: string): Promise<void> {
    await this.userById(id);
    await this.db.user.update({
      where: { id },
      data: {
        passwordHash: await hashPassword(password),
        passwordAt: new Date(this.now()),
        failedCount: 0,
        lockedUntil: null,
      },
    });
    await this.endUserSessions(id);
  }

  async userById(id: string): Promise<User> {
    const user = await this.db.user.findUnique({ where: { id } });
    if (!user) throw new AppError("NOT_FOUND", `user ${id}`, { userMessage: "No such user." });
    return user;
  }

  async userByName(username: string): Promise<User> {
    const user = await this.db.user.findUnique({ where: { username } });
    if (!user)
      throw new AppError("NOT_FOUND", `user ${username}`, { userMessage: `No user named ${username}.` });
    return user;
  }

  // ---- API tokens ------------------------------------------------------------------------------------------------

  /** A new token for `userId`, with a role no higher than the user's. The token itself is returned only here. */
  async createToken(userId: string, input: { name: string; role: Role }) {
    const user = await this.userById(userId);
    const userRole: Role = isRole(user.role) ? user.role : "viewer";
    if (!roleAtMost(input.role, userRole))
      throw new AppError("VALIDATION_FAILED", `role: ${input.role} is above ${userRole}`, {
        userMessage: `Invalid role: must be at most your own role (${userRole})`,
        details: { field: "role", rule: `must be at most your own role (${userRole})` },
      });
    const token = TOKEN_PREFIX + randomToken();
    const row = await this.db.apiToken.create({
      data: {
        userId,
        name: input.name,
        role: input.role,
        prefix: token.slice(0, 10),
        tokenHash: sha256(token),
      },
    });
    return { token, ...publicToken(row) };
  }

  async listTokens(userId: string) {
    const rows = await this.db.apiToken.findMany({ where: { userId }, orderBy: { createdAt: "desc" } });
    return rows.map(publicToken);
  }

  /** Revokes a token of `userId` (a user's own; admins revoke through the user's id). */
  async revokeToken(userId: string, tokenId: string) {
    const row = await this.db.apiToken.findFirst({ where: { id: tokenId, userId } });
    if (!row) throw new AppError("NOT_FOUND", `token ${tokenId}`, { userMessage: "No such token." });
    const updated = await this.db.apiToken.update({
      where: { id: tokenId },
      data: { revokedAt: row.revokedAt ?? new Date(this.now()) },
    });
    return publicToken(updated);
  }

  async sessionsOf(userId: string) {
    const rows = await this.db.session.findMany({
      where: { userId, endedAt: null, stage: "full" },
      orderBy: { createdAt: "desc" },
    });
    return rows
      .filter((s) => !this.expired(s))
      .map((s) => ({
        // The first characters of the id's hash: enough to tell sessions apart, useless to take one over.
        ref: s.id.slice(0, 8),
        createdAt: s.createdAt.toISOString(),
        lastSeenAt: s.lastSeenAt.toISOString(),
        address: s.address,
        userAgent: s.userAgent,
      }));
  }
}

/** What the API shows of a user: never the hash, the TOTP secret or the lockout counter. */
export function publicUser(u: User) {
  return {
    id: u.id,
    username: u.username,
    role: u.role,
    twoFactor: u.totpEnabled,
    disabled: u.disabledAt !== null,
    locked: u.lockedUntil !== null && u.lockedUntil.getTime() > Date.now(),
    createdAt: u.createdAt.toISOString(),
  };
}

function publicToken(t: {
  id: string;
  name: string;
  prefix: string;
  role: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}) {
  return {
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    role: t.role,
    createdAt: t.createdAt.toISOString(),
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    revokedAt: t.revokedAt?.toISOString() ?? null,
  };
}
