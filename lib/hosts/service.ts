/**
 * Onboarding a host from the panel: (1) scan: read the key the host presents, trust nothing; (2) pin: the
 * administrator confirms the fingerprint against the host's console, the panel pins the whole key and makes its
 * own key pair for the host and answers the authorized_keys line (restrict, from= the panel's address, the agent as
 * forced command); (3) test: connect with the pinned key and run the agent. A host whose key changed is refused;
 * re-pinning is a new scan and a new confirmation (an administrator with step-up: the routes say so).
 */
import { z } from "zod";
import type { Db } from "../db";
import { ZHostName } from "../config";
import { AppError } from "../errors";
import { ZDevicePath } from "../../agents/protocol/validation";
import { authorizedKeysLine } from "../agent-install/authorized-keys";
import { DEFAULT_AGENT_PATH, installAgent } from "../agent-install/install-agent";
import type { SecretBox } from "../auth/secret-box";
import { normalizeFingerprint } from "../transport/host-key";
import { createSshTransport } from "../transport/ssh";
import { newHostKeyPair, scanHostKey } from "./onboard";
import type { ManagedHost } from "../../generated/prisma/client";

/** The `[name]` of the onboarding routes. */
export const ZHostParams = z.object({ name: ZHostName }).strict();

export const ZOnboardRequest = z
  .object({
    name: ZHostName,
    /** The host's management address: an IPv4 or IPv6 address or a DNS name (no port, no user, no path). */
    address: z
      .string()
      .regex(
        /^([a-zA-Z0-9][a-zA-Z0-9.-]{0,252}|[0-9a-fA-F:]{2,39})$/,
        "must be a host name, IPv4 or IPv6 address",
      ),
    port: z
      .number()
      .int()
      .min(1, "must be a port (1-65535)")
      .max(65535, "must be a port (1-65535)")
      .default(22),
    user: z
      .string()
      .regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a Unix user name")
      .default("root"),
    agentPath: ZDevicePath.default(DEFAULT_AGENT_PATH),
    nodePath: ZDevicePath.default("/usr/bin/node"),
  })
  .strict();
export type TOnboardRequest = z.infer<typeof ZOnboardRequest>;

/** The panel's address as the host saw it, for the key's `from=` (an IPv4 peer seen through an IPv6 socket unwrapped). */
function panelFrom(h: ManagedHost): string | undefined {
  return h.panelAddress ? h.panelAddress.replace(/^::ffff:/, "") : undefined;
}

/** What the API shows of a host: never the private key. */
export function publicHost(h: ManagedHost) {
  return {
    name: h.name,
    address: h.address,
    port: h.port,
    user: h.user,
    status: h.status,
    presented: { algorithm: h.scannedAlgorithm, fingerprint: h.scannedSha256 },
    pinned: h.pinnedSha256
      ? { algorithm: h.pinnedAlgorithm, fingerprint: h.pinnedSha256, at: h.pinnedAt, by: h.pinnedBy }
      : null,
    panelAddress: h.panelAddress,
    publicKey: h.publicKey,
    lastTestAt: h.lastTestAt?.toISOString() ?? null,
    lastTestResult: h.lastTestResult,
  };
}

/** How long the bootstrap line lets the panel's key in without its forced command (to install the agent). */
const BOOTSTRAP_VALID_MS = 3600_000;

export const ZInstallRequest = z
  .object({
    /** The host's authorized_keys for the user, as SFTP sees it (relative to the user's home, or absolute). */
    authorizedKeysPath: z
      .string()
      .regex(/^[A-Za-z0-9._/-]{1,200}$/, "must be a path of letters, digits and . _ - /")
      .refine((p) => !p.split("/").includes(".."), "must not contain ..")
      .default(".ssh/authorized_keys"),
  })
  .strict();

export class OnboardingService {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
    /** The agent bundle the panel installs (agents/dist/tandem-agent.js). */
    private readonly agentBundle?: () => Buffer,
  ) {}

  private readonly pinListeners = new Set<(name: string, fingerprint: string) => void>();

  /** Called after every pin and re-pin: the farm's session to that host then checks the new key. */
  onPinned(listener: (name: string, fingerprint: string) => void): () => void {
    this.pinListeners.add(listener);
    return () => this.pinListeners.delete(listener);
  }

  private async host(name: string): Promise<ManagedHost> {
    const h = await this.db.managedHost.findUnique({ where: { name } });
    if (!h)
      throw new AppError("NOT_FOUND", `host ${name}`, {
        userMessage: `No host named ${name} is being onboarded.`,
      });
    return h;
  }

  async list() {
    return (await this.db.managedHost.findMany({ orderBy: { name: "asc" } })).map(publicHost);
  }

  /** Step 1: reads the key the host presents. A pinned host is not scanned again this way (use rescan). */
  async scan(input: TOnboardRequest) {
    const existing = await this.db.managedHost.findUnique({ where: { name: input.name } });
    if (existing?.pinnedSha256)
      throw new AppError("CONFLICT", `${input.name} is pinned already`, {
        userMessage: `${input.name} has a pinned key already: check its key again (re-key) instead.`,
        details: { rule: "a pinned host is re-keyed, not added again" },
      });
    const key = await scanHostKey(input.address, input.port);
    const data = {
      address: input.address,
      port: input.port,
      user: input.user,
      status: "scanned",
      scannedAlgorithm: key.algorithm,
      scannedKeyBase64: key.keyBase64,
      scannedSha256: key.fingerprint,
      panelAddress: key.panelAddress,
      agentPath: input.agentPath,
      nodePath: input.nodePath,
    };
    const row = await this.db.managedHost.upsert({
      where: { name: input.name },
      create: { name: input.name, ...data },
      update: data,
    });
    return publicHost(row);
  }

  /**
   * Step 2: the administrator typed (or pasted) the fingerprint they read on the host's console. It must be the
   * presented key's; then that key is pinned, the panel's key pair for the host is made (kept on a re-key), and the
   * authorized_keys line is answered.
   */
  async pin(name: string, fingerprint: string, actor: string) {
    const h = await this.host(name);
    let typed: string;
    try {
      typed = normalizeFingerprint(fingerprint);
    } catch {
      throw new AppError("VALIDATION_FAILED", "fingerprint: not a SHA256 fingerprint", {
        userMessage: "Invalid fingerprint: must look like SHA256:<43 base64 characters>",
        details: { field: "fingerprint", rule: "SHA256:<43 base64 characters>" },
      });
    }
    if (typed !== h.scannedSha256)
      throw new AppError("VALIDATION_FAILED", `fingerprint: ${typed} is not the key ${name} presented`, {
        userMessage:
          "Invalid fingerprint: must match the key the host presented (compare on the host's console)",
        details: { field: "fingerprint", rule: "must match the key the host presented" },
      });
    const keys = h.privateKeySealed ? null : newHostKeyPair(`tandem-panel@${name}`);
    const row = await this.db.managedHost.update({
      where: { name },
      data: {
        status: "pinned",
        pinnedAlgorithm: h.scannedAlgorithm,
        pinnedKeyBase64: h.scannedKeyBase64,
        pinnedSha256: h.scannedSha256,
        pinnedAt: new Date(),
        pinnedBy: actor,
        ...(keys
          ? { publicKey: keys.publicKey, privateKeySealed: this.box.seal(keys.privateKey, `hostkey:${name}`) }
          : {}),
      },
    });
    for (const listener of this.pinListeners) listener(name, h.scannedSha256);
    return {
      host: publicHost(row),
      authorizedKeysLine: this.authorizedKeys(row),
      bootstrapLine: this.bootstrapLine(row),
    };
  }

  /**
   * A line that lets the panel's key in for an hour without the forced command (still `restrict`: no terminal, no
   * forwarding; only from the panel's address), so that the panel can install the agent; the install then replaces
   * it with the restricted line.
   */
  private bootstrapLine(h: ManagedHost): string {
    const until = new Date(Date.now() + BOOTSTRAP_VALID_MS).toISOString().replace(/[-:T]/g, "").slice(0, 12);
    const address = panelFrom(h);
    const from = address === undefined ? "" : `,from="${address}"`;
    const key = (h.publicKey ?? "").trim().split(/\s+/).slice(0, 2).join(" ");
    return `restrict${from},expiry-time="${until}Z" ${key} tandem-panel-bootstrap@${h.name}`;
  }

  private transport(h: ManagedHost) {
    if (!h.pinnedSha256 || !h.privateKeySealed)
      throw new AppError("CONFLICT", `${h.name} is not pinned`, {
        userMessage: "Confirm the host's key first.",
        details: { rule: "the host key must be pinned" },
      });
    return createSshTransport({
      host: h.address,
      port: h.port,
      username: h.user,
      privateKey: this.box.open(h.privateKeySealed, `hostkey:${h.name}`),
      hostKeySha256: h.pinnedSha256,
      agentArgv: ["tandem-agent", "serve"],
    });
  }

  /**
   * Installs the agent through the bootstrap line (SFTP and exec, checked by its SHA-256 on the host), then replaces
   * that line in the host's authorized_keys with the restricted one (written beside it and renamed over it), then
   * tests the connection: from then on the key runs the agent only.
   */
  async install(name: string, input: z.infer<typeof ZInstallRequest>) {
    const h = await this.host(name);
    if (!this.agentBundle) throw new AppError("CONFLICT", "no agent bundle in this panel");
    const transport = this.transport(h);
    try {
      const installed = await installAgent({
        remote: transport,
        bundle: this.agentBundle(),
        remotePath: h.agentPath,
      });
      const blob = (h.publicKey ?? "").trim().split(/\s+/)[1] ?? "";
      const current = (await transport.getFile(input.authorizedKeysPath)).toString("utf8");
      const lines = current.split("\n");
      const ours = lines.findIndex((l) => l.includes(blob) && l.includes("tandem-panel-bootstrap@"));
      if (ours < 0)
        throw new AppError("CONFLICT", `${name}: no bootstrap line in ${input.authorizedKeysPath}`, {
          userMessage: "The bootstrap line is not in the host's authorized_keys.",
          details: { rule: "the bootstrap line must be installed" },
        });
      lines[ours] = this.authorizedKeys(h);
      const tmp = `${input.authorizedKeysPath}.tandem-${Date.now()}`;
      await transport.putFile(tmp, Buffer.from(lines.join("\n")), 0o600);
      await transport.renameFile(tmp, input.authorizedKeysPath);
      await this.db.managedHost.update({
        where: { name },
        data: {
          lastTestResult: `agent ${installed.agentVersion} installed (${installed.sha256.slice(0, 12)})`,
        },
      });
    } finally {
      transport.dispose();
    }
    return this.test(name);
  }

  private authorizedKeys(h: ManagedHost): string {
    const address = panelFrom(h);
    return authorizedKeysLine({
      publicKey: h.publicKey ?? "",
      agentPath: h.agentPath,
      nodePath: h.nodePath,
      ...(address === undefined ? {} : { from: address }),
      comment: `tandem-panel@${h.name}`,
    });
  }

  /**
   * Step 3: connects with the pinned key and the panel's key, and asks the agent its version. A changed host key
   * marks the host key-changed (nothing is sent to it).
   */
  async test(name: string) {
    const h = await this.host(name);
    const transport = this.transport(h);
    const record = (status: string, result: string) =>
      this.db.managedHost.update({
        where: { name },
        data: { status, lastTestAt: new Date(), lastTestResult: result.slice(0, 500) },
      });
    try {
      // The key's forced command runs the agent whatever is asked: a hello on its standard input is enough.
      const r = await transport.exec(["tandem-agent", "serve"], {
        stdin: '{"jsonrpc":"2.0","id":1,"method":"agent.hello","params":{"protocolVersion":1}}\n',
        timeoutMs: 15_000,
      });
      const version = /"agentVersion":"([^"]+)"/.exec(r.stdout)?.[1];
      if (!version) {
        const row = await record(
          h.status === "ready" ? "pinned" : h.status,
          `no agent answer (exit ${r.exitCode ?? "?"})`,
        );
        throw new AppError(
          "AGENT_MISSING",
          `${name}: the agent did not answer (exit ${r.exitCode ?? "?"}): ${r.stderr.slice(0, 300)}`,
          {
            details: { host: publicHost(row).name },
          },
        );
      }
      return publicHost(await record("ready", `agent ${version}`));
    } catch (err) {
      const e = err instanceof AppError ? err : new AppError("HOST_UNREACHABLE", String(err));
      if (e.code === "HOST_KEY_CHANGED") await record("key-changed", e.message);
      else if (e.code !== "AGENT_MISSING") await record(h.status, `${e.code}: ${e.message}`);
      throw e;
    } finally {
      transport.dispose();
    }
  }

  /** The farm's session to the host met another key (the monitor's incident): the hosts page shows it, to re-key. */
  async markKeyChanged(name: string, detail: string): Promise<void> {
    await this.db.managedHost.updateMany({
      where: { name, status: { not: "key-changed" } },
      data: { status: "key-changed", lastTestAt: new Date(), lastTestResult: detail.slice(0, 500) },
    });
  }

  /** Re-key, step 1: reads the host's key again. A different key is shown for confirmation; nothing is trusted yet. */
  async rescan(name: string) {
    const h = await this.host(name);
    const key = await scanHostKey(h.address, h.port);
    const changed = key.fingerprint !== h.pinnedSha256;
    const row = await this.db.managedHost.update({
      where: { name },
      data: {
        scannedAlgorithm: key.algorithm,
        scannedKeyBase64: key.keyBase64,
        scannedSha256: key.fingerprint,
        ...(changed && h.pinnedSha256 ? { status: "key-changed" } : {}),
      },
    });
    return { host: publicHost(row), changed };
  }
}
