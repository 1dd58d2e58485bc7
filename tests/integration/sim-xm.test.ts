/** A host on xend's `xm` (Xen <= 4.4) beside one on `xl`: the agent's xm driver on the stand-in's output. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentClient } from "../../lib/agent-client/client";
import { createTempSimFarm, refusalOf, startSimAgents, waitFor, type TempSimFarm } from "../helpers/sim";

let farm: TempSimFarm;
let clients: Record<string, AgentClient> = {};

beforeAll(async () => {
  farm = createTempSimFarm({ hypervisor: { xen2: "xen-xm" } });
  farm.store.setSpeed(5);
  clients = await startSimAgents(farm);
});
afterAll(() => {
  for (const c of Object.values(clients)) c.stop();
  farm?.remove();
});

const xen2 = () => clients["xen2"]!;
const vm = async (name: string) => (await xen2().call("vm.list", {})).vms.find((v) => v.name === name);

describe("a simulated xm host", () => {
  it("reports xen-xm and its VMs from xm list --long", async () => {
    expect((await xen2().call("host.facts", {})).hypervisor).toBe("xen-xm");
    const vms = (await xen2().call("vm.list", {})).vms.filter((v) => v.state !== "shutoff");
    expect(vms.map((v) => [v.name, v.state, v.memoryMiB])).toEqual([
      ["admin2", "running", 1024],
      ["ftp1", "running", 512],
      ["lvs2", "running", 512],
      ["mail2", "running", 1024],
      ["web-ssl2", "running", 1024],
      ["web1", "running", 2048],
    ]);
    expect(vms.find((v) => v.name === "web1")?.disks).toEqual(["/srv/r2/images/web1.img"]);
  });

  it("shuts a VM down cleanly and starts it again with xm create", async () => {
    await xen2().call("vm.shutdown", { name: "ftp1" });
    await waitFor(async () => (await vm("ftp1"))?.state === "shutoff", 5_000, "ftp1 off");
    await xen2().call("vm.start", { name: "ftp1" });
    expect(await vm("ftp1")).toMatchObject({ state: "running", memoryMiB: 512 });
  });

  it("refuses a start without memory with xend's words, read as VM_NOT_ENOUGH_MEMORY", async () => {
    await xen2().call("vm.shutdown", { name: "web1" });
    await waitFor(async () => (await vm("web1"))?.state === "shutoff", 5_000, "web1 off");
    await xen2().call("vm.setMaxMemory", { name: "mail2", memoryMiB: 4096 });
    await xen2().call("vm.setMemory", { name: "mail2", memoryMiB: 4096 });
    await waitFor(async () => (await vm("mail2"))?.memoryMiB === 4096, 5_000, "mail2 ballooned up");
    const err = await refusalOf(xen2().call("vm.start", { name: "web1" }));
    expect(err.code).toBe("VM_NOT_ENOUGH_MEMORY");
    expect(err.details.stderr).toMatch(/^Error: I need 2097152 KiB, but dom0_min_mem is 262144/);
  });
});
