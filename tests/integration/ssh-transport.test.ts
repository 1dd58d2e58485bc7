import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { utils as sshUtils } from "ssh2";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../lib/errors";
import { fingerprintSha256 } from "../../lib/transport/host-key";
import type { SshTransport, SshTransportOptions } from "../../lib/transport/ssh";
import type { AgentStream } from "../../lib/transport/types";
import { findFreePort, type SshdHandle, sshTransportTo, startSshd } from "../helpers/sshd";

type CloseInfo = Parameters<Parameters<AgentStream["onClose"]>[0]>[0];

let sshd: SshdHandle;
const transports: SshTransport[] = [];

beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.stop();
});
afterEach(() => {
  for (const t of transports.splice(0)) t.dispose();
});

function transportTo(server: SshdHandle, overrides: Partial<SshTransportOptions> = {}): SshTransport {
  const t = sshTransportTo(server, ["cat"], overrides);
  transports.push(t);
  return t;
}

async function rejectionOf(promise: Promise<unknown>): Promise<AppError> {
  const outcome = await promise.then(
    () => new Error("expected a rejection, got a result"),
    (err: unknown) => err,
  );
  expect(outcome).toBeInstanceOf(AppError);
  return outcome as AppError;
}

function nextClose(stream: AgentStream): Promise<CloseInfo> {
  return new Promise((resolve) => stream.onClose(resolve));
}

function countAccepted(server: SshdHandle): number {
  return server
    .log()
    .split("\n")
    .filter((l) => l.startsWith("Accepted publickey for ")).length;
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("ssh transport against a real sshd", () => {
  describe("exec with the right pin", () => {
    it("runs a command and returns its output", async () => {
      const t = transportTo(sshd);
      const result = await t.exec(["echo", "hello world"]);
      expect(result).toMatchObject({
        argv: ["echo", "hello world"],
        stdout: "hello world\n",
        exitCode: 0,
        signal: null,
        timedOut: false,
      });
      expect(t.connected()).toBe(true);
      expect(t.description).toBe(`ssh ${sshd.username}@127.0.0.1:${sshd.port}`);
    });

    it("resolves a non-zero exit as a result, not an unreachable host", async () => {
      const result = await transportTo(sshd).exec(["sh", "-c", "echo oops >&2; exit 3"]);
      expect(result).toMatchObject({ exitCode: 3, timedOut: false, stdout: "", stderr: "oops\n" });
    });

    it("passes nasty arguments literally and runs none of them", async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), "tandem-nasty-"));
      try {
        const marker = path.join(dir, "pwned");
        const args = [
          `$(touch ${marker})`,
          `\`touch ${marker}\``,
          `x; touch ${marker}`,
          `x' ; touch ${marker}; echo '`,
          "it's",
          "a\nb",
          "*",
          "",
          "-n",
          "$HOME",
        ];
        const result = await transportTo(sshd).exec(["printf", "%s\\0", ...args]);
        expect(result.exitCode).toBe(0);
        expect(result.stdout.split("\0").slice(0, -1)).toEqual(args);
        expect(existsSync(marker)).toBe(false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("feeds stdin", async () => {
      const result = await transportTo(sshd).exec(["cat"], { stdin: '{"id":1}\n' });
      expect(result.stdout).toBe('{"id":1}\n');
    });

    it("resolves timedOut after closing the channel", async () => {
      const t = transportTo(sshd);
      const result = await t.exec(["sleep", "5"], { timeoutMs: 300 });
      expect(result).toMatchObject({ timedOut: true, exitCode: null });
      expect(result.durationMs).toBeGreaterThanOrEqual(250);
      expect(result.durationMs).toBeLessThan(2_000);
      // The connection survives a timed-out channel.
      expect((await t.exec(["echo", "still here"])).stdout).toBe("still here\n");
    });
  });

  describe("open()", () => {
    it("streams to and from the agent, and close() fires onClose once", async () => {
      const stream = await transportTo(sshd, { agentArgv: ["cat"] }).open();
      const line = JSON.stringify({ id: 1, method: "ping", params: { text: "it's $(here)" } }) + "\n";
      const echoed = new Promise<string>((resolve) => {
        let buffered = "";
        stream.stdout.on("data", (b: Buffer) => {
          buffered += b.toString("utf8");
          if (buffered.includes("\n")) resolve(buffered);
        });
      });
      stream.stdin.write(line);
      expect(await echoed).toBe(line);

      const calls: CloseInfo[] = [];
      stream.onClose((info) => calls.push(info));
      const closed = nextClose(stream);
      stream.close();
      stream.close();
      const info = await closed;
      expect(info.error).toBeUndefined();
      await new Promise((r) => setTimeout(r, 100));
      expect(calls).toHaveLength(1);
      // A listener added after the end still hears about it, once.
      expect((await nextClose(stream)).exitCode).toBe(info.exitCode);
    });

    it("reports AGENT_MISSING when the agent is not installed", async () => {
      const stream = await transportTo(sshd, { agentArgv: ["/nonexistent/tandem-agent", "serve"] }).open();
      stream.stdout.resume();
      const info = await nextClose(stream);
      expect(info.exitCode).toBe(127);
      expect(info.error?.code).toBe("AGENT_MISSING");
      expect(info.error?.details.argv).toEqual(["/nonexistent/tandem-agent", "serve"]);
      expect(info.error?.details.stderr).toMatch(/nonexistent\/tandem-agent.*(not found|No such file)/);
    });

    it("reports `node <agentPath> serve` with no file at agentPath (the default command) as AGENT_MISSING", async () => {
      const argv = [process.execPath, "/nonexistent/lib/tandem/tandem-agent.js", "serve"];
      const stream = await transportTo(sshd, { agentArgv: argv }).open();
      stream.stdout.resume();
      const info = await nextClose(stream);
      expect(info.exitCode).toBe(1);
      expect(info.error?.code).toBe("AGENT_MISSING");
      expect(info.error?.details.stderr).toMatch(
        /Cannot find module '\/nonexistent\/lib\/tandem\/tandem-agent\.js'/,
      );
    });

    it("does not take an agent that starts and then fails for a missing agent", async () => {
      const argv = [process.execPath, "-e", "process.exit(1)"];
      const stream = await transportTo(sshd, { agentArgv: argv }).open();
      stream.stdout.resume();
      const info = await nextClose(stream);
      expect(info.exitCode).toBe(1);
      expect(info.error?.code).toBe("COMMAND_FAILED");
    });

    it("reports a non-executable agent (exit 126) as AGENT_MISSING too", async () => {
      const stream = await transportTo(sshd, { agentArgv: [path.join(sshd.dir, "sshd_config")] }).open();
      stream.stdout.resume();
      const info = await nextClose(stream);
      expect(info.exitCode).toBe(126);
      expect(info.error?.code).toBe("AGENT_MISSING");
    });
  });

  describe("host key pinning", () => {
    it("refuses a changed host key with HOST_KEY_CHANGED and both fingerprints", async () => {
      const wrong = fingerprintSha256(Buffer.from("some other host key"));
      const t = transportTo(sshd, { hostKeySha256: wrong });
      const err = await rejectionOf(t.open());
      expect(err.code).toBe("HOST_KEY_CHANGED");
      expect(err.details).toMatchObject({
        expectedHostKeySha256: wrong,
        presentedHostKeySha256: sshd.hostKeySha256,
      });
      expect((await rejectionOf(t.exec(["true"]))).code).toBe("HOST_KEY_CHANGED");
      expect(t.connected()).toBe(false);
    });

    it("refuses an unpinned host key with HOST_KEY_UNKNOWN carrying the presented fingerprint", async () => {
      const err = await rejectionOf(transportTo(sshd, { hostKeySha256: null }).open());
      expect(err.code).toBe("HOST_KEY_UNKNOWN");
      expect(err.details.presentedHostKeySha256).toBe(sshd.hostKeySha256);
    });

    it("rejects a malformed pin before connecting", () => {
      expect(() => transportTo(sshd, { hostKeySha256: "SHA256:nope" })).toThrow(
        expect.objectContaining({ code: "VALIDATION_FAILED" }) as Error,
      );
    });
  });

  it("reports a key the host does not accept as AUTH_FAILED, without the key in the error", async () => {
    const other = sshUtils.generateKeyPairSync("ed25519");
    const err = await rejectionOf(transportTo(sshd, { privateKey: other.private }).exec(["true"]));
    expect(err.code).toBe("AUTH_FAILED");
    const serialized = JSON.stringify(err.toJSON()) + err.message;
    expect(serialized).not.toContain("PRIVATE KEY");
    expect(serialized).not.toContain(other.private.split("\n")[1]);
  });

  it("rejects an unusable private key with VALIDATION_FAILED naming privateKey, not echoing it", async () => {
    const garbage =
      "-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0LW5vdC1hLWtleQ==\n-----END OPENSSH PRIVATE KEY-----\n";
    const err = await rejectionOf(transportTo(sshd, { privateKey: garbage }).exec(["true"]));
    expect(err.code).toBe("VALIDATION_FAILED");
    expect(err.details.field).toBe("privateKey");
    expect(JSON.stringify(err.toJSON()) + err.message).not.toContain("c2VjcmV0");
  });

  it("reports a port with nothing listening as HOST_UNREACHABLE", async () => {
    const port = await findFreePort();
    const err = await rejectionOf(transportTo(sshd, { port }).exec(["true"]));
    expect(err.code).toBe("HOST_UNREACHABLE");
    expect(err.details.reason).toMatch(/ECONNREFUSED/);
  });

  it("reports a handshake timeout as HOST_UNREACHABLE", async () => {
    const net = await import("node:net");
    const silent = net.createServer(() => undefined); // accepts TCP, never speaks SSH
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    try {
      const { port } = silent.address() as import("node:net").AddressInfo;
      const err = await rejectionOf(transportTo(sshd, { port, readyTimeoutMs: 300 }).exec(["true"]));
      expect(err.code).toBe("HOST_UNREACHABLE");
      expect(err.details.reason).toMatch(/handshake/);
    } finally {
      transports.splice(0).forEach((t) => t.dispose());
      silent.close();
    }
  });

  it("detects the loss of the persistent connection and reconnects lazily", async () => {
    const first = await startSshd();
    let second: SshdHandle | null = null;
    try {
      const t = transportTo(first, { agentArgv: ["cat"] });
      expect((await t.exec(["echo", "up"])).stdout).toBe("up\n");
      const stream = await t.open();
      stream.stdout.resume();
      const streamClosed = nextClose(stream);
      const running = rejectionOf(t.exec(["sleep", "10"]));
      await until(() => first.log().split("Starting session: command").length - 1 === 3); // echo, cat, sleep

      await first.stop();

      const info = await streamClosed;
      expect(info.error?.code).toBe("HOST_UNREACHABLE");
      expect((await running).code).toBe("HOST_UNREACHABLE");
      expect((await rejectionOf(t.exec(["echo", "down"]))).code).toBe("HOST_UNREACHABLE");
      expect(t.connected()).toBe(false);

      // Same identity, same port: the same transport connects again on its next call.
      second = await startSshd({
        port: first.port,
        hostPrivateKey: first.hostPrivateKey,
        authorizedKeys: [first.clientKey.publicKey],
      });
      expect(second.hostKeySha256).toBe(first.hostKeySha256);
      expect((await t.exec(["echo", "back"])).stdout).toBe("back\n");
    } finally {
      transports.splice(0).forEach((t) => t.dispose());
      await first.stop();
      await second?.stop();
    }
  });

  it("shares one connection between concurrent callers", async () => {
    const before = countAccepted(sshd);
    const t = transportTo(sshd);
    const [a, b] = await Promise.all([t.exec(["echo", "a"]), t.exec(["echo", "b"])]);
    expect([a.stdout, b.stdout]).toEqual(["a\n", "b\n"]);
    const stream = await t.open();
    stream.close();
    await until(() => countAccepted(sshd) > before);
    await new Promise((r) => setTimeout(r, 200)); // let any second login reach the log
    expect(countAccepted(sshd) - before).toBe(1);
  });

  it("dispose() ends the connection", async () => {
    const t = transportTo(sshd);
    await t.exec(["true"]);
    expect(t.connected()).toBe(true);
    t.dispose();
    expect(t.connected()).toBe(false);
  });
});
