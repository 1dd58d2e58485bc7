/** Installing and upgrading the agent over SFTP to a real OpenSSH sshd, with the checksum checked on the host. */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import ssh2 from "ssh2";
import { authorizedKeysLine } from "../../lib/agent-install/authorized-keys";
import { installAgent } from "../../lib/agent-install/install-agent";
import { createSshTransport, type SshTransport } from "../../lib/transport/ssh";
import { AGENT_VERSION } from "../../agents/protocol/version";
import { PROTOCOL_VERSION } from "../../agents/protocol/methods";
import { DIST, waitFor } from "../helpers/sim";
import { sshTransportTo, startSshd, type SshdHandle } from "../helpers/sshd";

let sshd: SshdHandle;
let ssh: SshTransport;
let target: string;
const bundle = () => fs.readFileSync(path.join(DIST, "tandem-agent.js"));

beforeAll(async () => {
  sshd = await startSshd();
  ssh = sshTransportTo(sshd, ["true"]);
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

describe("authorizedKeysLine", () => {
  it("lets the panel's key run only the agent, whatever command it asks for", async () => {
    const keys = ssh2.utils.generateKeyPairSync("ed25519");
    // This machine has no hypervisor tool to detect, so the agent is told which one to drive.
    const line = authorizedKeysLine({
      publicKey: keys.public,
      agentPath: path.join(DIST, "tandem-agent.js"),
      nodePath: process.execPath,
      agentArgs: ["--hypervisor", "xen-xl"],
    });
    expect(line).toMatch(
      /^restrict,command="\S+ \S+tandem-agent\.js serve --hypervisor xen-xl" ssh-ed25519 \S+ tandem-panel$/,
    );
    const restricted = await startSshd({ authorizedKeys: [line] });
    const conn = createSshTransport({
      host: restricted.host,
      port: restricted.port,
      username: restricted.username,
      privateKey: keys.private,
      hostKeySha256: restricted.hostKeySha256,
      agentArgv: ["unused"],
    });
    try {
      // Asked to run `cat /etc/hostname`, sshd runs the agent instead: it answers a JSON-RPC hello.
      const r = await conn.exec(["cat", "/etc/hostname"], {
        stdin: '{"jsonrpc":"2.0","id":1,"method":"agent.hello","params":{"protocolVersion":1}}\n',
        timeoutMs: 10_000,
      });
      expect(r.stdout).toContain(`"agentVersion":"${AGENT_VERSION}"`);
      expect(restricted.log()).toContain("forced-command");
    } finally {
      conn.dispose();
      await restricted.stop();
    }
  });

  it("refuses what is not a public key, unsafe paths and arguments", () => {
    expect(() => authorizedKeysLine({ publicKey: 'ssh-ed25519 AAAA" ,command="sh' })).toThrow(/publicKey/);
    expect(() => authorizedKeysLine({ publicKey: "ssh-ed25519 AAAAC3Nz", agentPath: '/x" sh "' })).toThrow();
    expect(() => authorizedKeysLine({ publicKey: "ssh-ed25519 AAAAC3Nz", agentArgs: ['x"; sh'] })).toThrow(
      /agentArgs/,
    );
  });
});

/**
 * S3: what the panel's key can do on a host, tried with the OpenSSH client as an attacker holding the key would:
 * a shell command runs the agent instead, port forwarding and a terminal are refused, and from another address
 * than the panel's the key does not log in at all.
 */
describe("S3: the panel's key on a host", () => {
  /** `ssh [options] user@127.0.0.1 [command]`, as an attacker holding the panel's key would type it. */
  const sshCli = (restricted: SshdHandle, keyFile: string, options: string[], command: string[] = []) =>
    spawnSync(
      "ssh",
      [
        "-i",
        keyFile,
        "-p",
        String(restricted.port),
        "-o",
        "BatchMode=yes",
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "ConnectTimeout=5",
        ...options,
        `${restricted.username}@127.0.0.1`,
        ...command,
      ],
      { encoding: "utf8", timeout: 20_000, input: "" },
    );

  it("runs only the agent: `id` is not run, forwarding and a terminal are refused; another address is refused", async () => {
    const keys = ssh2.utils.generateKeyPairSync("ed25519");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-s3-"));
    const keyFile = path.join(dir, "panel_key");
    fs.writeFileSync(keyFile, keys.private, { mode: 0o600 });
    const line = (from: string) =>
      authorizedKeysLine({
        publicKey: keys.public,
        agentPath: path.join(DIST, "tandem-agent.js"),
        nodePath: process.execPath,
        agentArgs: ["--hypervisor", "xen-xl"],
        from,
      });
    expect(line("127.0.0.1")).toMatch(/^restrict,from="127\.0\.0\.1",command="/);
    const restricted = await startSshd({ authorizedKeys: [line("127.0.0.1")] });
    try {
      const id = sshCli(restricted, keyFile, [], ["id"]);
      expect(id.stdout).not.toMatch(/uid=\d+/);
      // The agent ran instead (it complains there is no xl on this machine), as sshd's log says.
      expect(id.stderr).toContain("tandem-agent");
      await waitFor(
        () => restricted.log().includes("forced-command"),
        5_000,
        "sshd's forced-command log line",
      );
      // A remote forward (the host listening for the attacker) and a direct TCP channel through the host.
      const remote = sshCli(restricted, keyFile, [
        "-N",
        "-o",
        "ExitOnForwardFailure=yes",
        "-R",
        "0:127.0.0.1:22",
      ]);
      expect(remote.status).toBe(255);
      expect(remote.stderr).toMatch(/remote port forwarding failed/i);
      const direct = sshCli(restricted, keyFile, ["-W", `127.0.0.1:${restricted.port}`]);
      expect(direct.status).toBe(255);
      expect(direct.stderr).toMatch(/administratively prohibited/i);
      expect(direct.stdout).not.toContain("SSH-2.0");
      const pty = sshCli(restricted, keyFile, ["-tt"], ["id"]);
      expect(pty.stderr).toMatch(/PTY allocation request failed/);
      expect(pty.stdout).not.toMatch(/uid=\d+/);
    } finally {
      await restricted.stop();
    }
    const elsewhere = await startSshd({ authorizedKeys: [line("192.0.2.10")] });
    try {
      const refused = sshCli(elsewhere, keyFile, [], ["id"]);
      expect(refused.status).toBe(255);
      expect(refused.stderr).toMatch(/Permission denied/);
    } finally {
      await elsewhere.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("refuses a from= that is not a list of addresses", () => {
    expect(() =>
      authorizedKeysLine({ publicKey: "ssh-ed25519 AAAAC3Nz", from: '1.2.3.4",command="sh' }),
    ).toThrow(/from/);
  });
});
