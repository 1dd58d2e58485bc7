/**
 * Host onboarding, the SSH side: read a host's key without trusting it (the administrator compares the fingerprint
 * with the host's console before it is pinned), make the panel's key pair for that host, and write the host's
 * authorized_keys line. The private key is sealed (lib/auth/secret-box.ts) before it is stored and opened only to
 * connect; it never leaves the panel's process.
 */
import net from "node:net";
import ssh2, { Client } from "ssh2";
import { AppError } from "../errors";
import { fingerprintSha256 } from "../transport/host-key";

export interface ScannedHostKey {
  /** "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa", ... */
  algorithm: string;
  /** The whole public key blob, base64 (what known_hosts holds). */
  keyBase64: string;
  /** As `ssh-keygen -lf` prints it. */
  fingerprint: string;
  /** The panel's address as the host saw this connection (for the key's `from=`). */
  panelAddress: string;
}

/** The key type named at the start of an SSH public key blob (a length-prefixed string). */
export function keyAlgorithm(blob: Buffer): string {
  if (blob.length < 4) return "unknown";
  const length = blob.readUInt32BE(0);
  return length > 0 && length < 64 && blob.length >= 4 + length
    ? blob.subarray(4, 4 + length).toString("ascii")
    : "unknown";
}

/**
 * Connects to `address:port` only far enough to receive the host's key, refuses it (so nothing is authenticated or
 * sent), and answers what was presented. HOST_UNREACHABLE when nothing answers; a non-SSH service is refused too.
 */
/** The scan's failure, with what happened at which address as the evidence the page shows. */
const unreachable = (what: string) => new AppError("HOST_UNREACHABLE", what, { userMessage: what });

export function scanHostKey(address: string, port: number, timeoutMs = 10_000): Promise<ScannedHostKey> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address, port });
    const client = new Client();
    let presented: Buffer | null = null;
    let panelAddress = "";
    let settled = false;
    const finish = (err: AppError | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.end();
      socket.destroy();
      if (err) return reject(err);
      if (!presented) return reject(unreachable(`${address}:${port}: no SSH host key received`));
      resolve({
        algorithm: keyAlgorithm(presented),
        keyBase64: presented.toString("base64"),
        fingerprint: fingerprintSha256(presented),
        panelAddress,
      });
    };
    const timer = setTimeout(
      () => finish(unreachable(`${address}:${port}: no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.once("error", (err) => finish(unreachable(`${address}:${port}: ${err.message}`)));
    socket.once("connect", () => {
      panelAddress = socket.localAddress ?? "";
      client.on("error", () => finish(null));
      client.connect({
        sock: socket,
        username: "tandem-key-scan",
        readyTimeout: timeoutMs,
        // Record the key and refuse it: the scan must never authenticate to a host nobody has confirmed.
        hostVerifier: (key: Buffer): boolean => {
          presented = Buffer.from(key);
          return false;
        },
      });
    });
  });
}

/** A new Ed25519 key pair for one host: the private key in OpenSSH format, the public key as one line. */
export function newHostKeyPair(comment: string): { privateKey: string; publicKey: string } {
  // (ssh2 is CommonJS: under Node's ESM loader only its default export carries `utils`.)
  const keys = ssh2.utils.generateKeyPairSync("ed25519", { comment });
  return { privateKey: keys.private, publicKey: keys.public };
}
