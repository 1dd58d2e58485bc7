/**
 * buildPlan's choices around a host that does not answer: a fence step first when the host has a fence device,
 * the operator's confirmation otherwise; and a target that does not answer is refused for that reason alone.
 */
import { describe, expect, it } from "vitest";
import { buildPlan, type PlanInput } from "../../../lib/runbooks/plan";
import { defaultVmPolicy } from "../../../lib/runbooks/memory-plan";
import { ZRunbookRequest, type TRunbookRequest } from "../../../lib/runbooks/types";
import type { TFarmView } from "../../../lib/farm/view";
import type { TDrbdStatus } from "../../../agents/protocol/schemas";

const FENCE = ["fence_ipmilan", "--lanplus", "--ip=xen1-bmc", "--username=tandem"];

/** xen2's DRBD after xen1 vanished: r1 Secondary, UpToDate, no connection. */
const xen2Drbd: TDrbdStatus = {
  resources: [
    {
      name: "r1",
      role: "Secondary",
      devices: [{ volume: 0, minor: 1, disk: "UpToDate" }],
      connections: [{ peerName: "xen1", connection: "Connecting", peerRole: "Unknown", peerDevices: [] }],
    },
  ],
};

function view(up: { xen1: boolean; xen2: boolean }): TFarmView {
  const host = (name: "xen1" | "xen2") => ({
    name,
    reachable: up[name],
    stale: !up[name],
    lastSeenAt: null,
    error: null,
    hypervisor: "xen-xl",
    agent: { version: "1", current: true, installable: false },
    memory: up[name] ? { totalMiB: 8192, usedMiB: 4096, freeMiB: 4096, standbyMiB: 1024 } : null,
  });
  const side = (h: string, role: string) => ({
    host: h,
    stale: false,
    role,
    disk: "UpToDate",
    connection: "Connecting",
    replication: "Off",
    syncPercent: null,
    etaSeconds: null,
    splitBrain: false,
    outOfSyncKiB: null,
  });
  return {
    simulated: true,
    generatedAt: "",
    hosts: [host("xen1"), host("xen2")],
    resources: [{ name: "r1", minor: 1, sides: [side("xen1", "Primary"), side("xen2", "Secondary")] }],
    vms: [
      {
        name: "db1",
        host: "xen1",
        stale: true,
        state: "running",
        memoryMiB: 1024,
        maxMemoryMiB: 1024,
        resource: "r1",
      },
    ],
  };
}

const plan = (
  request: Partial<TRunbookRequest>,
  extra: Partial<PlanInput> = {},
  up = { xen1: false, xen2: true },
) =>
  buildPlan({
    request: ZRunbookRequest.parse({ kind: "failover", from: "xen1", to: "xen2", ...request }),
    view: view(up),
    resources: [{ name: "r1", mountPoint: "/srv/r1" }],
    drbd: up.xen2 ? { xen2: xen2Drbd } : {},
    policyOf: (vm, normal) => defaultVmPolicy(vm, normal),
    lastMove: null,
    marginMiB: 128,
    ...extra,
  });

describe("failover away from a host that does not answer", () => {
  it("without a fence device: refused until an operator confirms the host is off", () => {
    expect(plan({}).blockers.map((b) => b.rule)).toEqual(["confirm-peer-down"]);
    const confirmed = plan({ confirmDown: true });
    expect(confirmed.blockers).toEqual([]);
    expect(confirmed.steps.map((s) => s.name)).not.toContain("fence");
    expect(confirmed.promotions[0]!.decision).toMatchObject({
      allowed: true,
      basis: "peer-confirmed-down-by-operator",
    });
  });

  it("never promotes a resource DRBD reported in split brain, whatever is confirmed or forced", () => {
    const split: TDrbdStatus = {
      resources: xen2Drbd.resources.map((r) => ({ ...r, splitBrain: true })),
    };
    const p = plan({ confirmDown: true, force: true }, { drbd: { xen2: split } });
    expect(p.blockers.map((b) => b.rule)).toEqual(["split-brain"]);
    expect(p.blockers[0]?.forceable).toBe(false);
  });

  it("with a fence device: fences first (required), the promotion resting on the device", () => {
    const p = plan({}, { fences: { xen1: FENCE } });
    expect(p.blockers).toEqual([]);
    expect(p.steps[0]).toMatchObject({
      key: "fence:xen1",
      host: "xen1",
      call: null,
      params: { required: true },
      commands: [[...FENCE, "--action=off"]],
    });
    expect(p.steps[1]!.key).toBe("promote:r1@xen2");
    expect(p.promotions[0]!.decision).toMatchObject({ allowed: true, basis: "peer-fenced" });
    expect(p.warnings.map((w) => w.code)).toContain("fence");
    // With the operator's word as well, a failing fence is not fatal.
    expect(plan({ confirmDown: true }, { fences: { xen1: FENCE } }).steps[0]!.params.required).toBe(false);
  });

  it("only the failed host's device counts: xen2's does not fence xen1", () => {
    const p = plan({}, { fences: { xen2: ["fence_ipmilan", "--ip=xen2-bmc"] } });
    expect(p.steps.map((s) => s.name)).not.toContain("fence");
    expect(p.blockers.map((b) => b.rule)).toEqual(["confirm-peer-down"]);
  });

  it("a target that does not answer is refused as such, not for a memory shortage it cannot know", () => {
    const p = plan({ kind: "switchover" }, {}, { xen1: true, xen2: false });
    expect(p.blockers.map((b) => b.rule)).toContain("target-unreachable");
    expect(p.blockers.map((b) => b.rule)).not.toContain("no-memory");
  });
});
