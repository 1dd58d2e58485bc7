import { ZDevicePath } from "../../agents/protocol/validation";
import { AppError } from "../errors";
import { DEFAULT_AGENT_PATH } from "./install-agent";

/**
 * The authorized_keys line for the panel's key on a host: `restrict` turns off port, agent and X11
 * forwarding and terminals; the forced command makes sshd run the agent whatever command the client asks
 * for, so the key can do nothing but speak the agent protocol (sshd(8), AUTHORIZED_KEYS FILE FORMAT).
 * Installing and upgrading the agent needs SFTP and a shell: use another key (or the admin's own access).
 */
export function authorizedKeysLine(options: {
  publicKey: string;
  agentPath?: string;
  nodePath?: string;
  /** Extra `serve` options, e.g. ["--hypervisor", "xen-xl"]; plain words only. */
  agentArgs?: string[];
  comment?: string;
  /**
   * The panel's address(es) as the host sees them: sshd accepts the key only from there (`from=`, an OpenSSH
   * pattern list of addresses and CIDR blocks, e.g. "192.0.2.10" or "10.0.0.0/24,fd00::5").
   */
  from?: string;
}): string {
  const agentPath = ZDevicePath.parse(options.agentPath ?? DEFAULT_AGENT_PATH);
  const nodePath = ZDevicePath.parse(options.nodePath ?? "/usr/bin/node");
  const key = /^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa) [A-Za-z0-9+/]+=*$/.exec(
    options.publicKey.trim().split(/\s+/).slice(0, 2).join(" "),
  );
  if (!key) {
    throw new AppError("VALIDATION_FAILED", "publicKey: must be an OpenSSH public key (type and base64)", {
      details: { field: "publicKey", rule: "OpenSSH public key" },
    });
  }
  const args = options.agentArgs ?? [];
  const badArg = args.find((a) => !/^[A-Za-z0-9._/=-]+$/.test(a));
  if (badArg !== undefined) {
    throw new AppError(
      "VALIDATION_FAILED",
      `agentArgs: ${JSON.stringify(badArg)} may contain only letters, digits and . _ / = -`,
      {
        details: { field: "agentArgs", rule: "plain words" },
      },
    );
  }
  const comment = (options.comment ?? "tandem-panel").replace(/[^A-Za-z0-9@._-]/g, "");
  // IPv4 or IPv6 addresses, each with an optional CIDR length (an IPv6 address has a colon).
  const address = /^(\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?|[0-9A-Fa-f]*:[0-9A-Fa-f:.]*(\/\d{1,3})?)$/;
  if (options.from !== undefined && !options.from.split(",").every((a) => address.test(a)))
    throw new AppError(
      "VALIDATION_FAILED",
      `from: ${JSON.stringify(options.from)} is not a list of addresses`,
      {
        details: { field: "from", rule: "IP addresses or CIDR blocks, comma-separated" },
      },
    );
  const from = options.from === undefined ? "" : `,from="${options.from}"`;
  return `restrict${from},command="${[nodePath, agentPath, "serve", ...args].join(" ")}" ${key[0]} ${comment}`;
}
