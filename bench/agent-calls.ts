/**
 * Agent calls: Tandem's persistent agent session over SSH (one ssh2 connection, the agent running, JSON-RPC per
 * call) against one `ssh host <command>` per call, as scripts and some panels do, both against the same real OpenSSH
 * sshd on 127.0.0.1 and the same simulated host. The baseline runs exactly the command the agent runs for the call
 * (taken from the agent's own command log), so both do the same work on the host.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { AgentClient } from "../lib/agent-client/client";
import { quoteArgv } from "../lib/transport/quote";
import { agentArgvOverSsh, createTempSimFarm } from "../tests/helpers/sim";
import { sshTransportTo, startSshd } from "../tests/helpers/sshd";
import { msSince, ratioOf, summarize, type BenchResult } from "./stats";

function sshOnce(argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stdout.resume();
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`ssh exited ${code}: ${err}`))));
  });
}

/** `n` sequential runs of `fn`, each timed. */
function timedRuns(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  return (async () => {
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const start = process.hrtime.bigint();
      await fn();
      samples.push(msSince(start));
    }
    return samples;
  })();
}

/**
 * Two comparisons on one session and one sshd: (1) the transport alone: a call that runs no command on the host
 * (`drbd.version`, answered by the agent from what it read at start) against `ssh host true`; (2) a real call,
 * `drbd.status`, against `ssh host <the same drbdsetup command>`. In the simulation every host tool is a Node.js
 * stand-in (about 100 ms to start), which both sides pay in (2); on a real host drbdsetup is a C program.
 */
export async function benchAgentCalls(opts: {
  calls: number;
  baselineCalls: number;
}): Promise<BenchResult[]> {
  const farm = createTempSimFarm();
  const sshd = await startSshd();
  const client = new AgentClient("xen1", sshTransportTo(sshd, agentArgvOverSsh(farm, "xen1")), {});
  try {
    client.start();
    for (let i = 0; i < 100 && client.state !== "ready"; i++) await new Promise((r) => setTimeout(r, 100));
    if (client.state !== "ready") throw new Error(`agent session not ready: ${client.lastError?.message}`);
    const { commands } = await client.callLogged("drbd.status", {});
    for (let i = 0; i < 10; i++) await client.call("drbd.status", {}); // warm-up

    // The baseline: OpenSSH's client, the host key pinned in a known_hosts file, one connection per call.
    const dir = fs.mkdtempSync(path.join(sshd.dir, "client-"));
    const key = path.join(dir, "id_ed25519");
    fs.writeFileSync(key, sshd.clientKey.privateKey, { mode: 0o600 });
    const hostPub = fs.readFileSync(path.join(sshd.dir, "ssh_host_ed25519_key.pub"), "utf8").trim();
    const knownHosts = path.join(dir, "known_hosts");
    fs.writeFileSync(knownHosts, `[127.0.0.1]:${sshd.port} ${hostPub.split(" ").slice(0, 2).join(" ")}\n`);
    const env = farm.agentEnv("xen1");
    const ssh = (remote: string) => [
      "ssh",
      ...["-i", key, "-p", String(sshd.port), "-o", `UserKnownHostsFile=${knownHosts}`],
      ...["-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes"],
      `${sshd.username}@127.0.0.1`,
      remote,
    ];
    const status = ssh(
      quoteArgv([
        "env",
        `PATH=${env.PATH}`,
        `TANDEM_SIM_WORLD=${env.TANDEM_SIM_WORLD}`,
        "TANDEM_SIM_HOST=xen1",
        ...commands[0]!.argv,
      ]),
    );
    const noop = ssh("true");
    await sshOnce(status); // warm-up, and proof that it works
    await sshOnce(noop);

    const result = (
      name: string,
      title: string,
      t: number[],
      b: number[],
      label: string,
      notes: string[],
    ): BenchResult => {
      const ts = summarize(t);
      const bs = summarize(b);
      const ratio = ratioOf(ts, bs)!;
      return {
        name,
        title,
        unit: "ms",
        tandem: ts,
        baseline: { ...bs, label },
        ratio,
        target: { text: ">= 10x faster (median)", met: 1 / ratio >= 10 },
        notes: [`${(1 / ratio).toFixed(1)}x faster`, ...notes],
      };
    };
    const transportT = await timedRuns(opts.calls, () => client.call("drbd.version", {}));
    const transportB = await timedRuns(opts.baselineCalls, () => sshOnce(noop));
    const statusT = await timedRuns(opts.calls, () => client.call("drbd.status", {}));
    const statusB = await timedRuns(opts.baselineCalls, () => sshOnce(status));
    return [
      result(
        "agent-calls",
        "Agent call, transport only: a call that runs nothing on the host vs `ssh host true`",
        transportT,
        transportB,
        "`ssh host true` per call (OpenSSH client)",
        [`${opts.calls} calls through the session, ${opts.baselineCalls} ssh runs, sequential`],
      ),
      result(
        "agent-calls-status",
        "Agent call drbd.status (simulated host: Node.js stand-in tools) vs `ssh host drbdsetup status …` per call",
        statusT,
        statusB,
        "`ssh host <the same drbdsetup command>` per call",
        [
          `the command: ${commands[0]!.argv.join(" ")}; both sides pay the stand-in drbdsetup's Node.js start (about 100 ms)`,
          "the target is for the transport (row above); here the simulator's tool cost bounds the ratio",
        ],
      ),
    ];
  } finally {
    client.stop();
    await sshd.stop();
    farm.remove();
  }
}
