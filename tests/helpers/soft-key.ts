/**
 * A software WebAuthn authenticator for tests without a browser: an ES256 key pair that answers registration
 * ("none" attestation) and assertion challenges exactly as a USB key would put them on the wire (CBOR attestation
 * object, authenticator data, DER ECDSA signature over authData || SHA-256(clientDataJSON)). The browser tests use
 * Chromium's own virtual authenticator instead.
 */
import crypto from "node:crypto";
import { isoCBOR } from "@simplewebauthn/server/helpers";

const b64u = (b: Uint8Array) => Buffer.from(b).toString("base64url");
const sha256 = (b: Uint8Array | string) => crypto.createHash("sha256").update(b).digest();
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};

export class SoftKey {
  readonly id = crypto.randomBytes(16);
  private readonly keys = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
  counter = 0;

  get credentialId(): string {
    return b64u(this.id);
  }

  private clientData(type: string, challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /** The answer to navigator.credentials.create() for these options. */
  register(options: { challenge: string; rp: { id?: string } }, origin: string) {
    const jwk = this.keys.publicKey.export({ format: "jwk" });
    const cose = new Map<number, number | Uint8Array>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, Buffer.from(jwk.x!, "base64url")],
      [-3, Buffer.from(jwk.y!, "base64url")],
    ]);
    const authData = Buffer.concat([
      sha256(options.rp.id ?? new URL(origin).hostname),
      Buffer.from([0x41]), // user present, attested credential data
      u32(this.counter),
      Buffer.alloc(16), // AAGUID
      u16(this.id.length),
      this.id,
      Buffer.from(isoCBOR.encode(cose)),
    ]);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Map<string, string> | Uint8Array>([
        ["fmt", "none"],
        ["attStmt", new Map<string, string>()],
        ["authData", authData],
      ]),
    );
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: "public-key",
      response: {
        clientDataJSON: b64u(this.clientData("webauthn.create", options.challenge, origin)),
        attestationObject: b64u(attestationObject),
        transports: ["usb"],
      },
      clientExtensionResults: {},
    };
  }

  /** The answer to navigator.credentials.get() for these options (the counter moves forward unless told). */
  assert(options: { challenge: string; rpId?: string }, origin: string, opts: { counter?: number } = {}) {
    this.counter = opts.counter ?? this.counter + 1;
    const clientDataJSON = this.clientData("webauthn.get", options.challenge, origin);
    const authData = Buffer.concat([
      sha256(options.rpId ?? new URL(origin).hostname),
      Buffer.from([0x01]), // user present
      u32(this.counter),
    ]);
    const signature = crypto.sign(
      "sha256",
      Buffer.concat([authData, sha256(clientDataJSON)]),
      this.keys.privateKey,
    );
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: "public-key",
      response: {
        clientDataJSON: b64u(clientDataJSON),
        authenticatorData: b64u(authData),
        signature: b64u(signature),
      },
      clientExtensionResults: {},
    };
  }
}
