/**
 * Installs or upgrades the agent bundle on a host over SFTP: upload to a temporary name, check its SHA-256
 * on the host, make it executable, rename it over the old one atomically, then ask it for its version.
 */
import crypto from "node:crypto";
import path from "node:path";
import { ZDevicePath } from "../../agents/protocol/validation";
import { AppError } from "../errors";
import type { SshTransport } from "../transport/ssh";

export const DEFAULT_AGENT_PATH = "/usr/local/lib/tandem/tandem-agent.js";

export interface InstalledAgent {
  path: string;
  sha256: string;
  agentVersion: string;
  protocolVersion: number;
}

/** What installing needs of a host connection: run a command, write a file, rename it (SFTP). */
export type AgentInstallRemote = Pick<SshTransport, "exec" | "putFile" | "renameFile">;
type Remote = AgentInstallRemote;

async function run(remote: Remote, argv: string[]): Promise<string> {
  const r = await remote.exec(argv, { timeoutMs: 30_000 });
  if (r.exitCode !== 0 || r.timedOut) {
    throw new AppError(
      "COMMAND_FAILED",
      `${argv.join(" ")} exited ${r.exitCode ?? "on timeout"}: ${r.stderr.trim()}`,
      {
        details: { argv, exitCode: r.exitCode, stderr: r.stderr.slice(-4000), timedOut: r.timedOut },
      },
    );
  }
  return r.stdout;
}

export async function installAgent(options: {
  remote: Remote;
  bundle: Buffer;
  remotePath?: string;
}): Promise<InstalledAgent> {
  const parsed = ZDevicePath.safeParse(options.remotePath ?? DEFAULT_AGENT_PATH);
  if (!parsed.success) {
    throw new AppError("VALIDATION_FAILED", `remotePath: ${parsed.error.issues[0]?.message ?? "invalid"}`, {
      details: { field: "remotePath", rule: parsed.error.issues[0]?.message ?? "invalid" },
    });
  }
  const target = parsed.data;
  const { remote, bundle } = options;
  const sha256 = crypto.createHash("sha256").update(bundle).digest("hex");
  const tmp = `${target}.upload-${crypto.randomBytes(6).toString("hex")}`;
  await run(remote, ["mkdir", "-p", "--", path.posix.dirname(target)]);
  await remote.putFile(tmp, bundle, 0o755);
  try {
    const onHost = (await run(remote, ["sha256sum", "--", tmp])).split(/\s+/)[0];
    if (onHost !== sha256) {
      throw new AppError(
        "COMMAND_FAILED",
        `uploaded agent has SHA-256 ${onHost ?? "?"}, expected ${sha256}`,
        {
          details: { expected: sha256, actual: onHost },
        },
      );
    }
    await remote.renameFile(tmp, target);
  } catch (err) {
    await remote.exec(["rm", "-f", "--", tmp]).catch(() => undefined);
    throw err;
  }
  const version = JSON.parse(await run(remote, ["node", target, "version"])) as {
    agentVersion: string;
    protocolVersion: number;
  };
  return { path: target, sha256, ...version };
}
