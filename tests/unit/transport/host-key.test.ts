import { describe, expect, it } from "vitest";
import { fingerprintSha256, normalizeFingerprint } from "../../../lib/transport/host-key";

// A real ed25519 host public key and what `ssh-keygen -lf` printed for it (OpenSSH 9.2):
// 256 SHA256:W3rJkYZc5HkimjntJTcFUqSNC6Ln4NadWWSZ6S+5/zY test (ED25519)
const PUB = "AAAAC3NzaC1lZDI1NTE5AAAAIIKL9wmWRxDwWEXykUfsLUL4fLxkmgigrJ6tmCq8B81T";
const PUB_FINGERPRINT = "SHA256:W3rJkYZc5HkimjntJTcFUqSNC6Ln4NadWWSZ6S+5/zY";

describe("fingerprintSha256", () => {
  it("matches ssh-keygen -lf for a key blob", () => {
    expect(fingerprintSha256(Buffer.from(PUB, "base64"))).toBe(PUB_FINGERPRINT);
  });

  it("has no = padding", () => {
    expect(fingerprintSha256(Buffer.from("x"))).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});

describe("normalizeFingerprint", () => {
  it("accepts the canonical form and tolerates padding and whitespace", () => {
    expect(normalizeFingerprint(PUB_FINGERPRINT)).toBe(PUB_FINGERPRINT);
    expect(normalizeFingerprint(` ${PUB_FINGERPRINT}= `)).toBe(PUB_FINGERPRINT);
  });

  it.each([
    ["no prefix", PUB_FINGERPRINT.slice("SHA256:".length)],
    ["MD5", "MD5:12:34:56:78:9a:bc:de:f0:12:34:56:78:9a:bc:de:f0"],
    ["too short", PUB_FINGERPRINT.slice(0, -1)],
    ["too long", `${PUB_FINGERPRINT}A`],
    ["non-canonical last char", `${PUB_FINGERPRINT.slice(0, -1)}Z`],
    ["bad alphabet", `${PUB_FINGERPRINT.slice(0, -1)}-`],
    ["empty", ""],
  ])("rejects %s with VALIDATION_FAILED on hostKeySha256", (_name, input) => {
    expect(() => normalizeFingerprint(input)).toThrow(
      expect.objectContaining({
        code: "VALIDATION_FAILED",
        details: expect.objectContaining({ field: "hostKeySha256" }),
      }) as Error,
    );
  });
});
