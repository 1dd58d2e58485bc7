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
import { createTempSimFarm } from "../tests/helpers/sim";
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

export async function benchAgentCalls(opts: { calls: number; baselineCalls: number }): Promise<BenchResult> {
  const farm = createTempSimFarm();
  const sshd = await startSshd();
  const client = new AgentClient("xen1", sshTransportTo(sshd, farm.agentArgv("xen1")), {});
  try {
    client.start();
    for (let i = 0; i < 100 && client.state !== "ready"; i++) await new Promise((r) => setTimeout(r, 100));
    if (client.state !== "ready") throw new Error(`agent session not ready: ${client.lastError?.message}`);
    const { commands } = await client.callLogged("drbd.status", {});
    for (let i = 0; i < 10; i++) await client.call("drbd.status", {}); // warm-up
    const tandem: number[] = [];
    for (let i = 0; i < opts.calls; i++) {
      const start = process.hrtime.bigint();
      await client.call("drbd.status", {});
      tandem.push(msSince(start));
    }

    // The baseline: OpenSSH's client, the host key pinned in a known_hosts file, one connection per call.
    const dir = fs.mkdtempSync(path.join(sshd.dir, "client-"));
    const key = path.join(dir, "id_ed25519");
    fs.writeFileSync(key, sshd.clientKey.privateKey, { mode: 0o600 });
    const hostPub = fs.readFileSync(path.join(sshd.dir, "ssh_host_ed25519_key.pub"), "utf8").trim();
    const knownHosts = path.join(dir, "known_hosts");
    fs.writeFileSync(knownHosts, `[127.0.0.1]:${sshd.port} ${hostPub.split(" ").slice(0, 2).join(" ")}\n`);
    const env = farm.agentEnv("xen1");
    const remote = quoteArgv([
      "env",
      `PATH=${env.PATH}`,
      `TANDEM_SIM_WORLD=${env.TANDEM_SIM_WORLD}`,
      `TANDEM_SIM_HOST=xen1`,
      ...commands[0]!.argv,
    ]);
    const ssh = [
      "ssh",
      "-i",
      key,
      "-p",
      String(sshd.port),
      "-o",
      `UserKnownHostsFile=${knownHosts}`,
      "-o",
      "StrictHostKeyChecking=yes",
      "-o",
      "BatchMode=yes",
      "-o",
      "IdentitiesOnly=yes",
      `${sshd.username}@127.0.0.1`,
      remote,
    ];
    await sshOnce(ssh); // warm-up, and proof that it works
    const baseline: number[] = [];
    for (let i = 0; i < opts.baselineCalls; i++) {
      const start = process.hrtime.bigint();
      await sshOnce(ssh);
      baseline.push(msSince(start));
    }
    const t = summarize(tandem);
    const b = summarize(baseline);
    const ratio = ratioOf(t, b)!;
    return {
      name: "agent-calls",
      title: "Agent call (drbd.status): persistent agent session vs one ssh per call",
      unit: "ms",
      tandem: t,
      baseline: { ...b, label: "`ssh host <the same drbdsetup command>` per call (OpenSSH client)" },
      ratio,
      target: { text: ">= 10x faster (median)", met: 1 / ratio >= 10 },
      notes: [
        `${(1 / ratio).toFixed(1)}x faster; the command: ${commands[0]!.argv.join(" ")}`,
        `${opts.calls} calls through the session, ${opts.baselineCalls} ssh runs, sequential`,
      ],
    };
  } finally {
    client.stop();
    await sshd.stop();
    farm.remove();
  }
}
