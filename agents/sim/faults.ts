/**
 * Faults injected into the simulated farm (issue 4): what happens to a real farm when a host loses power, a
 * cable is pulled or a disk dies, applied to the world. The panel exposes them at POST /api/sim/faults.
 */
import { z } from "zod";
import { ZName } from "../protocol/validation";
import { createMetadata, linkLost, retryHandshakes, sideOf, startResync } from "./drbd-kernel";
import { unconfigureSide } from "./drbd-config";
import { stopDomain } from "./domains";
import type { SimWorld } from "./world";

import { FAULT_ACTIONS, FAULTABLE_TOOLS } from "./fault-names";

export { FAULT_ACTIONS, FAULTABLE_TOOLS };

export const ZFault = z
  .object({
    action: z.enum(FAULT_ACTIONS),
    host: ZName.optional(),
    resource: ZName.optional(),
    /** cut-link: "both" (default), or only the replication traffic leaving `host`. */
    direction: z.enum(["both", "outbound", "inbound"]).optional(),
    tool: z.enum(FAULTABLE_TOOLS).optional(),
    /** slow-command: extra real milliseconds per run. */
    delayMs: z.number().int().min(1).max(600_000).optional(),
    /** crash: the host reboots by itself this many simulated seconds later (panic=N); absent: it stays down. */
    rebootAfterSec: z.number().int().min(1).max(86_400).optional(),
    vm: ZName.optional(),
    /** write-load: KiB/s the VM writes. */
    kiBps: z
      .number()
      .int()
      .min(0)
      .max(10 * 1024 * 1024)
      .optional(),
  })
  .strict();
export type TFault = z.infer<typeof ZFault>;

export class FaultError extends Error {
  constructor(
    readonly field: string,
    readonly rule: string,
  ) {
    super(`${field}: ${rule}`);
  }
}

function need<T>(value: T | undefined, field: string, rule: string): T {
  if (value === undefined) throw new FaultError(field, rule);
  return value;
}

function hostOf(world: SimWorld, fault: TFault) {
  const name = need(fault.host, "host", `is required for ${fault.action}`);
  const host = world.hosts[name];
  if (!host)
    throw new FaultError("host", `must name a simulated host (${Object.keys(world.hosts).join(", ")})`);
  return host;
}

function resourceOf(world: SimWorld, name: string) {
  const resource = world.resources[name];
  if (!resource)
    throw new FaultError(
      "resource",
      `must name a simulated resource (${Object.keys(world.resources).join(", ")})`,
    );
  return resource;
}

/** A host stops without shutting down: its VMs die where they run, its DRBD devices go away, mounts stay unclean. */
function stopHost(world: SimWorld, name: string): void {
  for (const vm of Object.values(world.vms))
    if (vm.host === name && vm.domId !== null) {
      stopDomain(vm, "shutdown");
      delete vm.stopReason; // libvirt does not know why a domain of a host that lost power stopped
    }
  for (const resource of Object.values(world.resources)) {
    const side = resource.sides[name];
    if (!side?.up) continue;
    if (side.mounted && resource.fs) resource.fs.clean = false;
    linkLost(world, resource);
    if (side.configured) {
      // Half configured (a `drbdadm up` that stopped part way): the boot will not bring it up either.
      unconfigureSide(world, resource, name);
      continue;
    }
    Object.assign(side, {
      role: "Secondary",
      connection: "StandAlone",
      mounted: false,
      mountedOn: null,
      up: false,
    });
  }
}

/**
 * The host boots: DRBD comes up Secondary and connects (drbd service) where it was up when the host went down (not
 * where an administrator took it down, or never brought it up); VMs do not start by themselves.
 */
function bootHost(world: SimWorld, name: string): void {
  for (const resource of Object.values(world.resources)) {
    const side = resource.sides[name];
    if (!side || side.up || side.unconfigured) continue;
    side.up = true;
    side.connection = "Connecting";
  }
  retryHandshakes(world);
}

/** Applies `fault` to the world; throws FaultError naming the field when it does not make sense. */
export function applyFault(world: SimWorld, fault: TFault): void {
  switch (fault.action) {
    case "power-off": {
      const host = hostOf(world, fault);
      host.power = "off";
      host.panicked = false;
      host.rebootAtSimMs = null;
      stopHost(world, host.name);
      return;
    }
    case "crash": {
      // A kernel panic: everything stops at once. Linux waits at the panic (panic=0, its default) unless the
      // host reboots by itself (`rebootAfterSec`, as with panic=N).
      const host = hostOf(world, fault);
      host.power = "off";
      host.panicked = true;
      host.rebootAtSimMs =
        fault.rebootAfterSec === undefined ? null : world.settledAtSimMs + fault.rebootAfterSec * 1000;
      stopHost(world, host.name);
      return;
    }
    case "power-on": {
      const host = hostOf(world, fault);
      if (host.power === "on") return;
      host.power = "on";
      host.panicked = false;
      host.rebootAtSimMs = null;
      bootHost(world, host.name);
      return;
    }
    case "cut-link":
    case "restore-link": {
      const names = fault.resource ? [resourceOf(world, fault.resource).name] : Object.keys(world.resources);
      for (const name of names) {
        const resource = resourceOf(world, name);
        resource.linkUp = fault.action === "restore-link";
        resource.linkCut = fault.action === "cut-link" ? (fault.direction ?? "both") : null;
        if (fault.action === "cut-link") linkLost(world, resource);
      }
      if (fault.action === "restore-link") retryHandshakes(world);
      return;
    }
    case "cut-bmc":
    case "restore-bmc":
      // The host's management controller stops (or starts again) answering its fence agent.
      hostOf(world, fault).bmcUp = fault.action === "restore-bmc";
      return;
    case "cut-mgmt":
    case "restore-mgmt":
      hostOf(world, fault).mgmtUp = fault.action === "restore-mgmt";
      return;
    case "fail-disk":
    case "replace-disk": {
      const host = hostOf(world, fault);
      const resource = resourceOf(world, need(fault.resource, "resource", `is required for ${fault.action}`));
      const side = sideOf(resource, host.name);
      if (fault.action === "fail-disk") {
        // on-io-error detach: the device goes Diskless, reads and writes go to the peer.
        side.disk = "Diskless";
        if (resource.resync?.target === host.name || resource.resync?.source === host.name)
          resource.resync = null;
        return;
      }
      // A new, empty backing disk with fresh metadata, attached: a full sync from the peer follows.
      createMetadata(resource, host.name);
      const peer = Object.keys(resource.sides).find((h) => h !== host.name);
      const peerSide = peer === undefined ? undefined : resource.sides[peer];
      if (peer !== undefined && side.connection === "Connected" && peerSide?.disk === "UpToDate")
        startResync(world, resource, peer, host.name, resource.sizeKiB);
      return;
    }
    case "hang-command":
    case "slow-command":
    case "clear-command": {
      const host = hostOf(world, fault);
      const tool = need(fault.tool, "tool", `is required for ${fault.action}`);
      if (fault.action === "clear-command") delete host.toolFaults[tool];
      else
        host.toolFaults[tool] =
          fault.action === "hang-command"
            ? { mode: "hang" }
            : { mode: "slow", delayMs: need(fault.delayMs, "delayMs", "is required for slow-command") };
      return;
    }
    case "write-load": {
      const name = need(fault.vm, "vm", "is required for write-load");
      const vm = world.vms[name];
      if (!vm) throw new FaultError("vm", "must name a simulated VM");
      vm.writeKiBps = need(fault.kiBps, "kiBps", "is required for write-load");
      return;
    }
  }
}

/** Hosts whose crash reboot time has come boot (called when the world is settled). */
export function rebootCrashedHosts(world: SimWorld): void {
  for (const host of Object.values(world.hosts))
    if (host.power === "off" && host.rebootAtSimMs !== null && host.rebootAtSimMs <= world.settledAtSimMs) {
      host.power = "on";
      host.panicked = false;
      host.rebootAtSimMs = null;
      bootHost(world, host.name);
    }
}
