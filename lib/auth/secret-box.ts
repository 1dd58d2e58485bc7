/**
 * Secrets at rest (TOTP secrets, SSH private keys, the SMTP password): AES-256-GCM under the panel's key, which
 * lives outside the database: `TANDEM_SECRET_KEY` (base64, 32 bytes) or the file `<data dir>/secrets/panel.key`
 * (created on first use, mode 0600, in a 0700 directory). A database dump holds only ciphertext.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

const VERSION = "v1";

export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** The key from `envKey` (base64 of 32 bytes) or from `<dataDir>/secrets/panel.key`, created when missing. */
  static open(opts: { dataDir: string; envKey?: string | undefined }): SecretBox {
    if (opts.envKey !== undefined) {
      const key = Buffer.from(opts.envKey, "base64");
      if (key.length !== 32) throw new Error("TANDEM_SECRET_KEY: must be 32 bytes, base64-encoded");
      return new SecretBox(key);
    }
    const dir = path.join(opts.dataDir, "secrets");
    const file = path.join(dir, "panel.key");
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o700);
    if (!fs.existsSync(file)) {
      // "wx": never overwrite a key another process just wrote (that would make its ciphertexts unreadable).
      try {
        fs.writeFileSync(file, crypto.randomBytes(32).toString("base64") + "\n", { mode: 0o600, flag: "wx" });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
    }
    const key = Buffer.from(fs.readFileSync(file, "utf8").trim(), "base64");
    if (key.length !== 32) throw new Error(`${file}: must hold 32 bytes, base64-encoded`);
    return new SecretBox(key);
  }

  /** For tests. */
  static fromKey(key: Buffer): SecretBox {
    return new SecretBox(key);
  }

  /** "v1:<iv>:<tag>:<ciphertext>" (base64 parts); `context` is bound as associated data (e.g. "totp:<userId>"). */
  seal(plaintext: string, context: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(context));
    const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return [
      VERSION,
      iv.toString("base64"),
      cipher.getAuthTag().toString("base64"),
      data.toString("base64"),
    ].join(":");
  }

  /** The plaintext; throws when the box was sealed under another key or context, or was altered. */
  open(sealed: string, context: string): string {
    const [version, iv, tag, data] = sealed.split(":");
    if (version !== VERSION || iv === undefined || tag === undefined || data === undefined)
      throw new Error("not a sealed secret");
    const decipher = crypto.createDecipheriv("aes-256-gcm", this.key, Buffer.from(iv, "base64"));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(tag, "base64"));
    return Buffer.concat([decipher.update(Buffer.from(data, "base64")), decipher.final()]).toString("utf8");
  }
}
