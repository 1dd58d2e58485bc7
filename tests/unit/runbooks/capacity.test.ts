import { describe, expect, it } from "vitest";
import { capacityChecks } from "../../../lib/runbooks/capacity";
import { defaultVmPolicy } from "../../../lib/runbooks/memory-plan";
import type { TFarmView } from "../../../lib/farm/view";
import { createMozillaGumiWorld } from "../../../agents/sim/farms";

// The paper's Table 3, as the simulated farm has it.
const TABLE_3 = Object.values(createMozillaGumiWorld().vms).map(
  (v) => [v.name, v.host, v.maxMemoryMiB] as const,
);

function view(freeMiB: number): TFarmView {
  const host = (name: string) => ({
    name,
    reachable: true,
    stale: false,
    lastSeenAt: null,
    error: null,
    hypervisor: "xen-xl",
    agent: { version: null, current: true, installable: false },
    memory: { totalMiB: 8192, usedMiB: 8192 - freeMiB, freeMiB, standbyMiB: Math.min(1024, freeMiB) },
  });
  return {
    simulated: true,
    generatedAt: "",
    hosts: [host("xen1"), host("xen2")],
    resources: [],
    vms: TABLE_3.map(([name, h, mem]) => ({
      name,
      host: h,
      stale: false,
      state: "running",
      memoryMiB: mem,
      maxMemoryMiB: mem,
      resource: h === "xen1" ? "r1" : "r2",
    })),
  };
}

describe("N+1 check", () => {
  it("the MozillaGumi farm: each host carries the other's required VMs only by ballooning", () => {
    const checks = capacityChecks(view(1024), (vm, normal) => defaultVmPolicy(vm, normal));
    expect(checks.map((c) => [c.host, c.from, c.incoming, c.fits, c.fitsWithoutBallooning])).toEqual([
      ["xen1", "xen2", 6, true, false],
      ["xen2", "xen1", 7, true, false],
    ]);
    // xen1's seven VMs need 6144 MiB at full memory; xen2 has 1024 free, less the 128 MiB margin.
    expect(checks.find((c) => c.host === "xen2")?.shortfallMiB).toBe(6144 - (1024 - 128));
  });

  it("says which required VMs could not start when even ballooning is not enough", () => {
    const everythingRequired = (vm: string, normal: number) => ({
      ...defaultVmPolicy(vm, normal),
      minMiB: normal,
      required: true,
    });
    const checks = capacityChecks(view(1024), everythingRequired);
    const xen2 = checks.find((c) => c.host === "xen2")!;
    expect(xen2.fits).toBe(false);
    expect(xen2.requiredUnstarted.length).toBeGreaterThan(0);
  });

  it("a host with room for everything fits without ballooning", () => {
    const roomy = view(8000);
    expect(
      capacityChecks(roomy, (vm, n) => defaultVmPolicy(vm, n)).every((c) => c.fitsWithoutBallooning),
    ).toBe(true);
  });
});
