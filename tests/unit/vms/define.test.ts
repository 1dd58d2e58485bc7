/** The check of a VM placement against the farm and both hosts' facts: pure, so every rule is shown here. */
import { describe, expect, it } from "vitest";
import {
  buildDefineVmPlan,
  checkDefineVm,
  ZDefineVmRequest,
  type VmHostFacts,
} from "../../../lib/vms/define";
import type { TFarmView } from "../../../lib/farm/view";

const side = (host: string, role: string, disk = "UpToDate") => ({
  host,
  stale: false,
  role,
  disk,
  connection: "Connected",
  replication: "Established",
  syncPercent: null,
  etaSeconds: null,
  splitBrain: false,
  outOfSyncKiB: null,
});
const view: TFarmView = {
  simulated: true,
  generatedAt: "2026-11-22T00:00:00Z",
  hosts: ["xen1", "xen2"].map((name) => ({
    name,
    reachable: true,
    stale: false,
    lastSeenAt: null,
    error: null,
    hypervisor: "xen-xl",
    agent: { version: "1", current: true, installable: false },
    memory: { totalMiB: 8192, usedMiB: 6144, freeMiB: 2048, standbyMiB: 1024 },
  })),
  resources: [
    { name: "r1", minor: 1, sides: [side("xen1", "Primary"), side("xen2", "Secondary")] },
    { name: "r6", minor: 6, sides: [side("xen1", "Secondary"), side("xen2", "Primary", "UpToDate")] },
    { name: "r7", minor: 7, sides: [side("xen1", "Primary"), side("xen2", "Secondary", "Inconsistent")] },
  ],
  vms: [
    {
      name: "db1",
      host: "xen1",
      stale: false,
      state: "running",
      memoryMiB: 1024,
      maxMemoryMiB: 1024,
      resource: "r1",
    },
  ],
};
const META = [{ name: "r1", mountPoint: "/srv/r1" }, { name: "r6" }, { name: "r7" }];
const facts = (over: Partial<VmHostFacts> = {}): VmHostFacts[] =>
  ["xen1", "xen2"].map((host) => ({
    host,
    reachable: true,
    hypervisor: "xen-xl",
    cpus: 4,
    bridges: [
      { name: "xenbr0", kind: "bridge" as const },
      { name: "ovsbr0", kind: "openvswitch" as const },
    ],
    vms: ["db1"],
    mounted: true,
    ...over,
  }));
const req = (extra: Record<string, unknown>) =>
  ZDefineVmRequest.parse({ name: "web9", memoryMiB: 512, network: { bridge: "xenbr0" }, ...extra });
const errorsOf = (extra: Record<string, unknown>, f = facts(), v = view) =>
  checkDefineVm(req(extra), v, META, f).errors;

describe("placing a VM", () => {
  it("on a raw resource: the DRBD device itself, started where the resource is Primary, defined on both", () => {
    const check = checkDefineVm(req({ resource: "r6", start: true }), view, META, facts());
    expect(check.errors).toEqual([]);
    expect(check).toMatchObject({ primary: "xen2", peer: "xen1", disk: "/dev/drbd6", image: null });
    expect(check.definition).toMatchObject({ memoryMiB: 512, maxMemoryMiB: 512, disk: "/dev/drbd6" });
    const plan = buildDefineVmPlan(req({ resource: "r6", start: true }), check);
    expect(plan.steps.map((s) => s.key)).toEqual([
      "define-vm:web9@xen2",
      "define-vm:web9@xen1",
      "register-vm:web9",
      "start-vm:web9@xen2",
    ]);
    expect(plan.newVm!.policy).toEqual({ priority: 50, minMemoryMiB: 256, required: true });
    expect(plan.resources).toEqual(["r6"]);
  });

  it("a raw device holds one VM and no image; a filesystem needs the image's size", () => {
    const used = { ...view, vms: [...view.vms, { ...view.vms[0]!, name: "x1", resource: "r6" }] };
    expect(errorsOf({ resource: "r6", imageSizeMiB: 1024 }, facts(), used)).toEqual([
      { field: "imageSizeMiB", message: expect.stringContaining("r6 is a raw device") },
      { field: "resource", message: "r6 is already the disk of x1 (a raw device holds one VM)" },
    ]);
    expect(errorsOf({ resource: "r1" })).toEqual([
      { field: "imageSizeMiB", message: expect.stringContaining("is required: r1 holds a filesystem") },
    ]);
    expect(errorsOf({ resource: "r1", imageSizeMiB: 1024 }, facts({ mounted: false }))).toEqual([
      { field: "resource", message: "r1 is not mounted at /srv/r1 on xen1" },
    ]);
  });

  it("warns when the peer's copy is not UpToDate: a failover could not start the VM yet", () => {
    const check = checkDefineVm(req({ resource: "r7" }), view, META, facts());
    expect(check.errors).toEqual([]);
    expect(check.warnings).toEqual([expect.stringContaining("r7 is not UpToDate on both hosts")]);
  });

  it("needs both hosts answering, and the resource Primary on exactly one", () => {
    const down = facts().map((f) => (f.host === "xen2" ? { ...f, reachable: false } : f));
    expect(errorsOf({ resource: "r6" }, down)).toEqual([
      { field: "resource", message: "xen2 does not answer: the VM is defined on both hosts of r6" },
    ]);
    const none = {
      ...view,
      resources: [{ name: "r6", minor: 6, sides: [side("xen1", "Secondary"), side("xen2", "Secondary")] }],
    };
    expect(errorsOf({ resource: "r6" }, facts(), none)).toEqual([
      { field: "resource", message: "r6 is Primary on no host: the VM is defined where it is Primary" },
    ]);
  });

  it("checks the network on both hosts: the bridge, a VLAN only on Open vSwitch, never with xm", () => {
    expect(errorsOf({ resource: "r6", network: { bridge: "ovsbr0", vlan: 20 } })).toEqual([]);
    expect(errorsOf({ resource: "r6", network: { bridge: "xenbr0", vlan: 20 } })).toEqual([
      { field: "network.vlan", message: "needs an Open vSwitch bridge: xenbr0 on xen2 is a Linux bridge" },
      { field: "network.vlan", message: "needs an Open vSwitch bridge: xenbr0 on xen1 is a Linux bridge" },
    ]);
    const xm = facts().map((f) => (f.host === "xen1" ? { ...f, hypervisor: "xen-xm" } : f));
    expect(errorsOf({ resource: "r6", network: { bridge: "ovsbr0", vlan: 20 } }, xm)).toEqual([
      { field: "network.vlan", message: "xen1 runs xm, whose vif scripts take no VLAN tag" },
    ]);
    const oneSided = facts().map((f) => (f.host === "xen1" ? { ...f, bridges: [] } : f));
    expect(errorsOf({ resource: "r6" }, oneSided)).toEqual([
      { field: "network.bridge", message: "xen1 has no bridge xenbr0 (it has none)" },
    ]);
    expect(checkDefineVm(req({ resource: "r6" }), view, META, oneSided).bridges).toEqual([]);
  });

  it("checks names on the farm and on each host, memory, vCPUs and the failover minimum", () => {
    const hidden = facts().map((f) => (f.host === "xen2" ? { ...f, vms: ["db1", "web9"] } : f));
    expect(errorsOf({ resource: "r6" }, hidden)).toEqual([
      { field: "name", message: "a VM named web9 is already defined on xen2" },
    ]);
    expect(
      errorsOf({
        resource: "r6",
        memoryMiB: 1024,
        maxMemoryMiB: 512,
        vcpus: 8,
        failover: { minMemoryMiB: 2048 },
      }),
    ).toEqual([
      { field: "memoryMiB", message: "must not be more than the maximum memory (512 MiB)" },
      { field: "failover.minMemoryMiB", message: "must not be more than the VM's memory (1024 MiB)" },
      { field: "vcpus", message: "must be at most 4: xen2 has 4 CPUs" },
      { field: "vcpus", message: "must be at most 4: xen1 has 4 CPUs" },
    ]);
    expect(errorsOf({ resource: "r6", memoryMiB: 4096, start: true })).toEqual([
      { field: "start", message: "xen2 has 2048 MiB free, not the 4096 MiB to start it" },
    ]);
  });
});
