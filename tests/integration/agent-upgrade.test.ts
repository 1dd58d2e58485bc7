/**
 * "Install/upgrade agent" from the panel's side: FarmService.installAgent against a real OpenSSH sshd whose
 * host runs an older agent. The session must come back on the new agent, and the farm view must say so.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FarmService } from "../../lib/farm/farm-service";
import { createLocalTransport } from "../../lib/transport/local";
import type { SshTransport } from "../../lib/transport/ssh";
import { AGENT_VERSION } from "../../agents/protocol/version";
import { createTempSimFarm, DIST, waitFor, type TempSimFarm } from "../helpers/sim";
import { sshTransportTo, startSshd, type SshdHandle } from "../helpers/sshd";

const OLD_VERSION = "0.0.1-old";
let farm: TempSimFarm;
let sshd: SshdHandle;
let ssh: SshTransport;
let service: FarmService;
let target: string;
const bundle = () => fs.readFileSync(path.join(DIST, "tandem-agent.js"));

beforeAll(async () => {
  farm = createTempSimFarm();
  sshd = await startSshd();
  target = path.join(sshd.dir, "lib", "tandem", "tandem-agent.js");
  fs.mkdirSync(path.dirname(target), { recursive: true });
  // The host runs an agent of another version: the same bundle with its version string changed.
  const current = bundle().toString("utf8");
  const marker = `"${AGENT_VERSION}"`;
  expect(current).toContain(marker);
  fs.writeFileSync(target, current.split(marker).join(`"${OLD_VERSION}"`), { mode: 0o755 });

  const env = farm.agentEnv("xen1");
  const [node, , ...serveArgs] = farm.agentArgv("xen1");
  // As config.ts builds it (`node <agentPath> serve`), with the simulated farm's tools on the PATH.
  ssh = sshTransportTo(sshd, [
    "env",
    `PATH=${env.PATH}`,
    `TANDEM_SIM_WORLD=${farm.simDir}`,
    "TANDEM_SIM_HOST=xen1",
    node!,
    target,
    ...serveArgs,
  ]);
  service = new FarmService({
    simulated: false,
    hosts: [
      { name: "xen1", address: sshd.host, transport: ssh, agentInstall: { remote: ssh, path: target } },
      {
        name: "xen2",
        address: "simulated",
        transport: createLocalTransport({ argv: farm.agentArgv("xen2"), env: farm.agentEnv("xen2") }),
      },
    ],
    resources: [],
    agentBundle: bundle,
  });
  await service.start();
});
afterAll(async () => {
  service?.stop();
  await sshd?.stop();
  farm?.remove();
});

const agentOf = (host: string) => service.getView().hosts.find((h) => h.name === host)?.agent;

describe("install/upgrade agent from the panel", () => {
  it("shows the old agent as not current, and refuses state changes on it", async () => {
    await waitFor(() => agentOf("xen1")?.version === OLD_VERSION, 15_000, "old agent reported");
    expect(agentOf("xen1")).toEqual({ version: OLD_VERSION, current: false, installable: true });
    await waitFor(() => agentOf("xen2")?.version !== null, 15_000, "xen2 reported");
    expect(agentOf("xen2")).toEqual({ version: AGENT_VERSION, current: true, installable: false });
    await expect(service.client("xen1").call("vm.shutdown", { name: "irc1" })).rejects.toMatchObject({
      code: "AGENT_VERSION_MISMATCH",
    });
  });

  it("refuses a second install on the same host while one runs", async () => {
    const first = service.installAgent("xen1");
    await expect(service.installAgent("xen1")).rejects.toMatchObject({ code: "CONFLICT" });
    const result = await first;
    expect(result).toMatchObject({ path: target, agentVersion: AGENT_VERSION });
    expect(fs.readFileSync(target).equals(bundle())).toBe(true);
  });

  it("reconnects on the new agent: the view says current and state changes are accepted", async () => {
    await waitFor(() => agentOf("xen1")?.current, 15_000, "new agent reported");
    expect(agentOf("xen1")).toEqual({ version: AGENT_VERSION, current: true, installable: true });
    await expect(service.client("xen1").call("vm.shutdown", { name: "irc1" })).resolves.toEqual({ ok: true });
  });

  it("refuses a simulated host and an unknown one, installing nothing", async () => {
    await expect(service.installAgent("xen2")).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(service.installAgent("xen9")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
