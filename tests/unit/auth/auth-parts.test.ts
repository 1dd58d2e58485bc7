import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { allows, PERMISSIONS, permits, roleAtMost, ROLES } from "../../../lib/auth/roles";
import { SecretBox } from "../../../lib/auth/secret-box";
import { bearerFrom, sameOrigin, sessionCookie, sessionTokenFrom } from "../../../lib/auth/http";
import { hashPassword, verifyPassword, ZPassword, ZUsername } from "../../../lib/auth/passwords";
import { entryHash, GENESIS } from "../../../lib/audit/log";
import { contentSecurityPolicy } from "../../../lib/auth/gate";

const headers = (h: Record<string, string>) => ({ get: (n: string) => h[n] ?? null });

describe("roles", () => {
  it("someone owing their two-factor set-up may only look and set it up, whatever their role (server and pages)", () => {
    for (const role of ROLES)
      for (const p of Object.keys(PERMISSIONS) as Array<keyof typeof PERMISSIONS>) {
        expect(permits({ role, mustEnroll: false }, p), `${role} ${p}`).toBe(allows(role, p));
        expect(permits({ role, mustEnroll: true }, p), `${role} ${p} enrolling`).toBe(
          allows(role, p) && (p === "farm:read" || p === "self:manage"),
        );
      }
  });

  it("a role holds its own permissions and those below, never those above", () => {
    expect(allows("viewer", "farm:read")).toBe(true);
    expect(allows("viewer", "runbook:run")).toBe(false);
    expect(allows("operator", "runbook:run")).toBe(true);
    expect(allows("operator", "runbook:force")).toBe(false);
    expect(allows("operator", "resource:create")).toBe(false);
    expect(allows("admin", "users:manage")).toBe(true);
    for (const p of Object.keys(PERMISSIONS) as Array<keyof typeof PERMISSIONS>)
      expect(allows("admin", p)).toBe(true);
    expect(roleAtMost("operator", "admin")).toBe(true);
    expect(roleAtMost("admin", "operator")).toBe(false);
    expect(ROLES).toEqual(["viewer", "operator", "admin"]);
  });
});

describe("secret box", () => {
  const box = SecretBox.fromKey(crypto.randomBytes(32));
  it("opens what it sealed, only under the same context and key, and refuses an altered box", () => {
    const sealed = box.seal("JBSWY3DPEHPK3PXP", "totp:u1");
    expect(sealed).not.toContain("JBSWY3DPEHPK3PXP");
    expect(box.open(sealed, "totp:u1")).toBe("JBSWY3DPEHPK3PXP");
    expect(() => box.open(sealed, "totp:u2")).toThrow();
    expect(() => SecretBox.fromKey(crypto.randomBytes(32)).open(sealed, "totp:u1")).toThrow();
    const parts = sealed.split(":");
    parts[3] = Buffer.from(
      "x" + Buffer.from(parts[3]!, "base64").toString("latin1").slice(1),
      "latin1",
    ).toString("base64");
    expect(() => box.open(parts.join(":"), "totp:u1")).toThrow();
  });
  it("keeps its key in a 0600 file outside the database, and reuses it", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-box-"));
    const a = SecretBox.open({ dataDir: dir });
    const file = path.join(dir, "secrets", "panel.key");
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(SecretBox.open({ dataDir: dir }).open(a.seal("s", "c"), "c")).toBe("s");
    expect(() => SecretBox.open({ dataDir: dir, envKey: "c2hvcnQ=" })).toThrow(/32 bytes/);
    fs.rmSync(dir, { recursive: true });
  });
});

describe("request parts", () => {
  it("same-origin: Origin matching Host, or Sec-Fetch-Site same-origin; anything else, or nothing, is not", () => {
    expect(sameOrigin(headers({ host: "panel:3000", origin: "http://panel:3000" }))).toBe(true);
    expect(sameOrigin(headers({ host: "panel:3000", "sec-fetch-site": "same-origin" }))).toBe(true);
    expect(sameOrigin(headers({ host: "panel:3000", origin: "http://evil:3000" }))).toBe(false);
    expect(sameOrigin(headers({ host: "panel:3000", origin: "http://panel:3000.evil" }))).toBe(false);
    expect(sameOrigin(headers({ host: "panel:3000", "sec-fetch-site": "same-site" }))).toBe(false);
    expect(sameOrigin(headers({ host: "panel:3000", "sec-fetch-site": "none" }))).toBe(false);
    expect(sameOrigin(headers({ host: "panel:3000" }))).toBe(false);
    expect(sameOrigin(headers({ origin: "http://panel:3000" }))).toBe(false);
  });
  it("reads the session cookie (the __Host- one first) and refuses malformed values; bearer tokens likewise", () => {
    const v = "A".repeat(43);
    expect(sessionTokenFrom(`a=b; tandem_session=${v}`)).toBe(v);
    expect(sessionTokenFrom(`tandem_session=${"B".repeat(43)}; __Host-tandem_session=${v}`)).toBe(v);
    expect(sessionTokenFrom("tandem_session=x;y")).toBeNull();
    expect(sessionTokenFrom("tandem_session=../../etc")).toBeNull();
    expect(sessionTokenFrom(undefined)).toBeNull();
    expect(bearerFrom(undefined)).toBeUndefined();
    expect(bearerFrom("Bearer tdm_abcdefghij")).toBe("tdm_abcdefghij");
    expect(bearerFrom("Basic YWxhZGRpbjpvcGVu")).toBeNull();
    expect(sessionCookie(v, true, 60)).toBe(
      `__Host-tandem_session=${v}; Path=/; HttpOnly; SameSite=Strict; Max-Age=60; Secure`,
    );
  });
  it("a strict CSP: scripts only from the panel or with the nonce, nothing framed, no plugins", () => {
    const csp = contentSecurityPolicy("abc");
    expect(csp).toContain("script-src 'self' 'nonce-abc' 'strict-dynamic'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
  });
});

describe("passwords", () => {
  it("argon2id, verified; the rules name what is wrong", async () => {
    const h = await hashPassword("correct horse battery");
    expect(h).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(h, "correct horse battery")).toBe(true);
    expect(await verifyPassword(h, "correct horse batterY")).toBe(false);
    expect(await verifyPassword("not a hash", "x")).toBe(false);
    expect(ZPassword.safeParse("short").error?.issues[0]?.message).toBe("must be at least 12 characters");
    expect(ZUsername.safeParse("Admin; rm").success).toBe(false);
    expect(ZUsername.safeParse("ops-1.ka_ta").success).toBe(true);
  });
});

describe("audit hashes", () => {
  const e = {
    seq: 1,
    at: new Date("2026-11-22T00:00:00Z"),
    actor: "a",
    action: "x",
    target: null,
    address: null,
    result: "ok",
    detail: null,
    prevHash: GENESIS,
  };
  it("cover every field and the previous hash; moving text between fields changes the hash", () => {
    const h = entryHash(e);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    for (const change of [
      { seq: 2 },
      { actor: "b" },
      { action: "y" },
      { target: "t" },
      { address: "::1" },
      { result: "refused" },
      { detail: "d" },
      { prevHash: "1".repeat(64) },
      { at: new Date("2026-11-22T00:00:01Z") },
    ])
      expect(entryHash({ ...e, ...change }), JSON.stringify(change)).not.toBe(h);
    expect(entryHash({ ...e, actor: "ab", action: "" })).not.toBe(
      entryHash({ ...e, actor: "a", action: "b" }),
    );
  });
});
