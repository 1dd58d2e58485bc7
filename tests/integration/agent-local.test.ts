import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AgentClient } from "../../lib/agent-client/client";
import { AppError } from "../../lib/errors";
import { createLocalTransport } from "../../lib/transport/local";
import type { NotificationName } from "../../agents/protocol/methods";
import { createTempSimFarm, simProcesses, waitFor, type TempSimFarm } from "../helpers/sim";

let farm: TempSimFarm;
const clients: AgentClient[] = [];

function connect(host: string, argv?: string[]): AgentClient {
  const client = new AgentClient(
    host,
    createLocalTransport({ argv: argv ?? farm.agentArgv(host), env: farm.agentEnv(host) }),
    {
      initialBackoffMs: 50,
    },
  );
  clients.push(client);
  client.start();
  return client;
}

beforeAll(() => {
  farm = createTempSimFarm();
});
afterEach(() => {
  while (clients.length) clients.pop()!.stop();
});
afterAll(async () => {
  // Stopped or killed agents leave nothing behind: not even the drbdsetup events2 stream they started.
  await waitFor(() => simProcesses(farm.simDir).length === 0, 5_000, "no simulated-host process left");
  farm.remove();
});

describe("the agent over the local transport, on the simulated farm", () => {
  it("answers hello, host.facts, drbd.status and vm.list as the real drivers read the stand-in tools", async () => {
    const client = connect("xen1");
    await waitFor(() => client.state === "ready", 10_000, "agent ready");
    expect(client.hello).toMatchObject({ protocolVersion: 1, simulated: true });

    const facts = await client.call("host.facts", {});
    expect(facts).toMatchObject({
      hostname: "xen1",
      hypervisor: "xen-xl",
      cpus: 4,
      memory: { totalKiB: 8192 * 1024, freeKiB: 1024 * 1024, dom0KiB: 1024 * 1024 },
      versions: { xen: "4.17.3", drbdUtils: "9.22.0", drbd: "9.2.8" },
    });

    const drbd = await client.call("drbd.status", {});
    expect(
      drbd.resources.map((r) => `${r.name}:${r.role}:${r.devices[0]?.minor}:${r.connections[0]?.peerRole}`),
    ).toEqual([
      "r1:Primary:1:Secondary",
      "r2:Secondary:2:Primary",
      "r3:Primary:3:Secondary",
      "r4:Secondary:4:Secondary",
    ]);
    expect(drbd.resources[0]?.connections[0]).toMatchObject({ peerName: "xen2", connection: "Connected" });

    const { vms } = await client.call("vm.list", {});
    // xen2's six VMs are configured here too (shut off), so that xen1 can start them when xen2 fails.
    expect(vms.filter((v) => v.state === "shutoff").map((v) => v.name)).toEqual([
      "admin2",
      "ftp1",
      "lvs2",
      "mail2",
      "web-ssl2",
      "web1",
    ]);
    const running = vms.filter((v) => v.state !== "shutoff");
    expect(running.map((v) => `${v.name}:${v.state}:${v.memoryMiB}/${v.maxMemoryMiB}`)).toEqual([
      "admin1:running:1024/1024",
      "cron1:running:1024/1024",
      "db1:running:1024/1024",
      "irc1:running:512/512",
      "lvs1:running:512/512",
      "mail1:running:1024/1024",
      "web-ssl1:running:1024/1024",
    ]);
    expect(vms.find((v) => v.name === "db1")?.disks).toEqual(["/srv/r1/images/db1.img"]);
  });

  it("pushes drbd.changed and vm.changed when the world changes", async () => {
    const client = connect("xen2");
    const seen: Array<[NotificationName, unknown]> = [];
    client.onNotification((name, params) => seen.push([name, params]));
    await waitFor(() => client.state === "ready", 10_000, "agent ready");
    await waitFor(() => seen.some(([n]) => n === "drbd.changed"), 5_000, "initial drbd.changed");

    farm.onHost("xen2", "xl", "destroy", "ftp1");
    const vmChange = await waitFor(
      () =>
        seen.find(
          ([n, p]) =>
            n === "vm.changed" && JSON.stringify(p).includes('"name":"ftp1","domId":null,"state":"shutoff"'),
        ),
      5_000,
      "vm.changed with ftp1 shut off",
    );
    expect(vmChange).toBeTruthy();

    farm.onHost("xen1", "drbdadm", "disconnect", "r1");
    await waitFor(
      () =>
        seen.find(
          ([n, p]) => n === "drbd.changed" && JSON.stringify(p).includes('"connection":"Connecting"'),
        ),
      5_000,
      "xen2 sees r1 Connecting after xen1 disconnected",
    );
    farm.onHost("xen1", "drbdadm", "connect", "r1");
    const status = await client.call("drbd.status", {});
    expect(status.resources.find((r) => r.name === "r1")?.connections[0]?.connection).toBe("Connected");
  });

  it("refuses invalid params with the field named, and unknown methods", async () => {
    const client = connect("xen1");
    await waitFor(() => client.state === "ready", 10_000, "agent ready");
    // @ts-expect-error -- deliberately wrong params
    const err = await client.call("vm.list", { all: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("VALIDATION_FAILED");
  });

  it("reports a missing agent as AGENT_MISSING and keeps retrying", async () => {
    const client = connect("xen1", ["/nonexistent/tandem-agent", "serve"]);
    await waitFor(() => client.lastError, 5_000, "first failure");
    expect(client.state).not.toBe("ready");
    expect(client.lastError?.code).toBe("AGENT_MISSING");
    const err = await client.call("host.facts", {}).catch((e: unknown) => e as AppError);
    expect(err).toMatchObject({ code: "HOST_UNREACHABLE" });
  });

  it("fails pending calls when the agent dies, then reconnects", async () => {
    const client = connect("xen1");
    await waitFor(() => client.state === "ready", 10_000, "agent ready");
    const states: string[] = [];
    client.onState((s) => states.push(s));
    // Kill the agent process the transport started (its pid is not exposed: find it by its argv).
    const { execFileSync } = await import("node:child_process");
    const pids = execFileSync("pgrep", ["-f", `${farm.simDir}/hosts/xen1/etc/xen`], { encoding: "utf8" })
      .trim()
      .split("\n");
    const pending = client.call("vm.list", {}, { timeoutMs: 10_000 }).catch((e: unknown) => e as AppError);
    for (const pid of pids) process.kill(Number(pid), "SIGKILL");
    const err = await pending;
    if (err instanceof AppError) expect(err.code).toBe("HOST_UNREACHABLE");
    await waitFor(() => states.includes("down"), 5_000, "down");
    await waitFor(() => client.state === "ready", 10_000, "reconnected");
    expect((await client.call("vm.list", {})).vms).toHaveLength(13);
  });
});
