/**
 * A throwaway simulated farm for integration tests: the MozillaGumi world in a temp dir, the stand-in
 * tools installed, and the argv/env that run the real agent (agents/dist/tandem-agent.js) on a simulated host.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { writeStandInTools } from "../../agents/sim/bin";
import { createMozillaGumiWorld } from "../../agents/sim/farms";
import { InvariantChecker, type Violation, type ViolationKind } from "../../agents/sim/invariants";
import {
  hostEtcDir,
  hostMountsFile,
  hostProcDrbdFile,
  hostXenConfigDir,
  WorldStore,
} from "../../agents/sim/store";
import { AgentClient } from "../../lib/agent-client/client";
import type { AppError } from "../../lib/errors";
import type { TFarmView } from "../../lib/farm/view";
import { createLocalTransport } from "../../lib/transport/local";

export const ROOT = path.resolve(import.meta.dirname, "..", "..");
export const DIST = path.join(ROOT, "agents", "dist");

export interface TempSimFarm {
  dir: string;
  simDir: string;
  store: WorldStore;
  bin: string;
  /** argv that runs the real agent for `host` on the simulated farm (the env goes with it). */
  agentArgv(host: string, pollMs?: number): string[];
  agentEnv(host: string): NodeJS.ProcessEnv;
  /** Runs a stand-in tool on `host` as an administrator would; throws if it exits non-zero. */
  onHost(host: string, ...argv: string[]): string;
  /** Violations the invariant checker has seen so far (it watches the world every 100 ms). */
  violations(): Violation[];
  /** Declares violations a test causes on purpose; any other fails `remove()`. */
  allowViolations(...kinds: ViolationKind[]): void;
  /** Stops watching and deletes the farm; throws if the farm broke a safety invariant the test did not allow. */
  remove(): void;
}

export function createTempSimFarm(world: Parameters<typeof createMozillaGumiWorld>[0] = {}): TempSimFarm {
  if (!fs.existsSync(path.join(DIST, "tandem-agent.js")))
    throw new Error("agents/dist/tandem-agent.js missing: run `npm run build:agent` first");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-sim-"));
  const simDir = path.join(dir, "sim");
  const store = new WorldStore(simDir);
  store.init(() => createMozillaGumiWorld(world));
  const bin = writeStandInTools(simDir, path.join(DIST, "sim-tools.js"));
  // Every simulated test runs under the invariant checker (agents/sim/invariants.ts).
  const checker = new InvariantChecker();
  const allowed = new Set<ViolationKind>();
  const look = () => {
    try {
      checker.observe(store.read());
    } catch {
      // a world being replaced at this instant; the next look sees it
    }
  };
  const watch = setInterval(look, 100);
  watch.unref();
  const agentEnv = (host: string) => ({
    ...process.env,
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
    TANDEM_SIM_WORLD: simDir,
    TANDEM_SIM_HOST: host,
  });
  return {
    dir,
    simDir,
    store,
    bin,
    agentEnv,
    agentArgv: (host, pollMs = 200) => [
      process.execPath,
      path.join(DIST, "tandem-agent.js"),
      "serve",
      "--simulated",
      "--hypervisor",
      store.read().hosts[host]?.hypervisor ?? "xen-xl",
      "--xen-config-dir",
      hostXenConfigDir(simDir, host),
      "--drbd-config-dir",
      path.join(hostEtcDir(simDir, host), "drbd.d"),
      "--mounts-file",
      hostMountsFile(simDir, host),
      "--proc-drbd",
      hostProcDrbdFile(simDir, host),
      "--poll-ms",
      String(pollMs),
      "--heartbeat-ms",
      "500",
    ],
    onHost(host, ...argv) {
      const r = spawnSync(path.join(bin, argv[0]!), argv.slice(1), { env: agentEnv(host), encoding: "utf8" });
      if (r.status !== 0) throw new Error(`${host}: ${argv.join(" ")} exited ${r.status}: ${r.stderr}`);
      return r.stdout;
    },
    violations: () => (look(), [...checker.violations]),
    allowViolations: (...kinds) => kinds.forEach((k) => allowed.add(k)),
    remove: () => {
      clearInterval(watch);
      look();
      fs.rmSync(dir, { recursive: true, force: true });
      const bad = checker.violations.filter((v) => !allowed.has(v.kind));
      if (bad.length > 0)
        throw new Error(
          `simulated farm broke safety invariants:\n${bad.map((v) => `  ${v.kind}: ${v.detail}`).join("\n")}`,
        );
    },
  };
}

/** Resolves when `predicate` holds, polling every 20 ms; rejects after `timeoutMs`. */
/** Polls `probe` (sync or async) every 20 ms until it returns a truthy value. */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 5_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Pids of live processes started for this simulated farm (their environment names its world). */
export function simProcesses(simDir: string): number[] {
  return processesWithEnv("TANDEM_SIM_WORLD", simDir);
}

/** Pids of live processes (not this one) whose environment has `name=value`. */
export function processesWithEnv(name: string, value: string): number[] {
  const marker = `${name}=${value}\0`;
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (`${fs.readFileSync(`/proc/${entry}/environ`, "latin1")}\0`.includes(marker))
        pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/**
 * Starts the real agent bundle as a local child process (`serve --hypervisor xen-xl --xen-config-dir <dir>`
 * plus `args`) with `path` as its PATH, and resolves once it answered hello.
 */
export async function startBundledAgent(
  name: string,
  options: { xenConfigDir: string; path: string; args?: string[]; beforeStart?: (c: AgentClient) => void },
): Promise<AgentClient> {
  const client = new AgentClient(
    name,
    createLocalTransport({
      argv: [
        process.execPath,
        path.join(DIST, "tandem-agent.js"),
        "serve",
        "--hypervisor",
        "xen-xl",
        "--xen-config-dir",
        options.xenConfigDir,
        ...(options.args ?? []),
      ],
      env: { ...process.env, PATH: options.path },
    }),
  );
  options.beforeStart?.(client); // e.g. listen for the first notifications
  client.start();
  await waitFor(() => client.state === "ready", 10_000, `${name} agent ready`);
  return client;
}

/** One agent per simulated host of `farm`, each over a local transport, once all answered hello. */
export async function startSimAgents(
  farm: TempSimFarm,
  hosts = ["xen1", "xen2"],
): Promise<Record<string, AgentClient>> {
  const clients: Record<string, AgentClient> = {};
  for (const host of hosts) {
    const c = new AgentClient(
      host,
      createLocalTransport({ argv: farm.agentArgv(host), env: farm.agentEnv(host) }),
    );
    c.start();
    clients[host] = c;
  }
  await waitFor(() => Object.values(clients).every((c) => c.state === "ready"), 15_000, "agents ready");
  return clients;
}

/** The AppError a call was refused with; fails the test when the call succeeds. */
export async function refusalOf(call: Promise<unknown>): Promise<AppError> {
  try {
    await call;
  } catch (err) {
    return err as AppError;
  }
  throw new Error("expected a refusal");
}

/** Waits until the farm view shows every host reachable with its memory, and all 13 VMs of the MozillaGumi farm. */
export function waitForWholeFarm(service: { getView(): TFarmView }, timeoutMs = 15_000): Promise<TFarmView> {
  return waitFor(
    () => {
      const v = service.getView();
      return v.hosts.every((h) => h.reachable && h.memory) && v.vms.length === 13 ? v : undefined;
    },
    timeoutMs,
    "every host and VM in the farm view",
  );
}

/** The agent command for `host` of `farm` as an administrator would install it, run by sshd's login shell. */
export function agentArgvOverSsh(farm: TempSimFarm, host: string): string[] {
  const env = farm.agentEnv(host);
  return [
    "env",
    `PATH=${env.PATH}`,
    `TANDEM_SIM_WORLD=${farm.simDir}`,
    `TANDEM_SIM_HOST=${host}`,
    ...farm.agentArgv(host),
  ];
}
