/** Installing and upgrading the agent over SFTP to a real OpenSSH sshd, with the checksum checked on the host. */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installAgent } from "../../lib/agent-install/install-agent";
import { createSshTransport, type SshTransport } from "../../lib/transport/ssh";
import { AGENT_VERSION } from "../../agents/protocol/version";
import { PROTOCOL_VERSION } from "../../agents/protocol/methods";
import { DIST } from "../helpers/sim";
import { startSshd, type SshdHandle } from "../helpers/sshd";

let sshd: SshdHandle;
let ssh: SshTransport;
let target: string;
const bundle = () => fs.readFileSync(path.join(DIST, "tandem-agent.js"));

beforeAll(async () => {
  sshd = await startSshd();
  ssh = createSshTransport({
    host: sshd.host,
    port: sshd.port,
    username: sshd.username,
    privateKey: sshd.clientKey.privateKey,
    hostKeySha256: sshd.hostKeySha256,
    agentArgv: ["true"],
  });
  target = path.join(sshd.dir, "lib", "tandem", "tandem-agent.js");
});
afterAll(async () => {
  ssh?.dispose();
  await sshd?.stop();
});

const leftovers = () => fs.readdirSync(path.dirname(target)).filter((f) => f.includes(".upload-"));

describe("installAgent", () => {
  it("uploads, checks the SHA-256 on the host, installs atomically and runs the new agent", async () => {
    const result = await installAgent({ remote: ssh, bundle: bundle(), remotePath: target });
    expect(result).toMatchObject({
      path: target,
      agentVersion: AGENT_VERSION,
      protocolVersion: PROTOCOL_VERSION,
    });
    expect(result.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.readFileSync(target).equals(bundle())).toBe(true);
    expect(fs.statSync(target).mode & 0o111).not.toBe(0);
    expect(leftovers()).toEqual([]);
  });

  it("upgrades over an existing agent", async () => {
    const newer = Buffer.concat([bundle(), Buffer.from("\n// upgraded\n")]);
    const result = await installAgent({ remote: ssh, bundle: newer, remotePath: target });
    expect(fs.readFileSync(target).equals(newer)).toBe(true);
    expect(result.agentVersion).toBe(AGENT_VERSION);
    expect(leftovers()).toEqual([]);
  });

  it("refuses a file that arrives corrupted, leaving the installed agent as it was", async () => {
    const before = fs.readFileSync(target);
    const corrupting = {
      ...ssh,
      putFile: (p: string, d: Buffer, m: number) => ssh.putFile(p, Buffer.concat([d, Buffer.from("x")]), m),
    };
    await expect(
      installAgent({ remote: corrupting, bundle: bundle(), remotePath: target }),
    ).rejects.toMatchObject({
      code: "COMMAND_FAILED",
      message: expect.stringContaining("SHA-256"),
    });
    expect(fs.readFileSync(target).equals(before)).toBe(true);
    expect(leftovers()).toEqual([]);
  });

  it.each(["relative/tandem-agent.js", "/tmp/x;rm -rf", "/usr/local/../../etc/passwd", "/tmp/a b"])(
    "refuses the path %j",
    async (p) => {
      await expect(installAgent({ remote: ssh, bundle: bundle(), remotePath: p })).rejects.toMatchObject({
        code: "VALIDATION_FAILED",
        details: { field: "remotePath" },
      });
    },
  );
});
