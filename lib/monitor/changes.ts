/**
 * What changed between two looks at the farm, as timeline events (pure): sessions that ended or came back, DRBD
 * roles, connections, disks and resyncs per side, VMs that started, stopped, crashed or were ballooned. Only what a
 * host reported while it answered counts: a host that does not answer changes nothing here.
 */
import type { TVmInfo } from "../../agents/protocol/schemas";
import type { HostLiveness } from "../farm/farm-service";
import type { TFarmView } from "../farm/view";
import type { FarmEventInput } from "./types";

export interface FarmSnapshot {
  hosts: Array<Pick<HostLiveness, "name" | "session" | "fresh" | "error">>;
  resources: TFarmView["resources"];
  /** Fresh VM lists only (null for a host that does not answer). */
  vmsByHost: Record<string, TVmInfo[] | null>;
}

const SYNCING = /^(Sync|PausedSync|StartingSync)/;

export function diffSnapshots(prev: FarmSnapshot | null, next: FarmSnapshot): FarmEventInput[] {
  if (!prev) return [];
  const events: FarmEventInput[] = [];
  for (const host of next.hosts) {
    const before = prev.hosts.find((h) => h.name === host.name);
    if (!before || before.session === host.session) continue;
    events.push(
      host.session === "ready"
        ? {
            source: "connectivity",
            kind: "host.reachable",
            host: host.name,
            message: `${host.name} answers the panel again.`,
          }
        : {
            source: "connectivity",
            kind: "host.unreachable",
            host: host.name,
            message: `${host.name} stopped answering the panel${host.error ? ` (${host.error.code}: ${host.error.message})` : ""}.`,
            data: host.error,
          },
    );
  }
  // A side counts only between two looks at which its host's report was current (not the first read after start).
  const fresh = (host: string) =>
    next.hosts.find((h) => h.name === host)?.fresh === true &&
    prev.hosts.find((h) => h.name === host)?.fresh === true;
  for (const resource of next.resources) {
    const before = prev.resources.find((r) => r.name === resource.name);
    for (const side of resource.sides) {
      const old = before?.sides.find((s) => s.host === side.host);
      if (!old || side.stale || old.stale || !fresh(side.host)) continue;
      const base = { source: "drbd" as const, host: side.host, resource: resource.name };
      const what = `${resource.name} on ${side.host}`;
      if (old.role !== side.role)
        events.push({ ...base, kind: "drbd.role", message: `${what}: role ${old.role} → ${side.role}.` });
      if (old.connection !== side.connection)
        events.push({
          ...base,
          kind: "drbd.connection",
          message: `${what}: connection ${old.connection} → ${side.connection}.`,
        });
      if (old.disk !== side.disk)
        events.push({ ...base, kind: "drbd.disk", message: `${what}: disk ${old.disk} → ${side.disk}.` });
      if (!old.splitBrain && side.splitBrain)
        events.push({ ...base, kind: "drbd.split-brain", message: `${what}: DRBD reports split brain.` });
      const wasSyncing = SYNCING.test(old.replication);
      const isSyncing = SYNCING.test(side.replication);
      if (!wasSyncing && isSyncing)
        events.push({
          ...base,
          kind: "drbd.resync-started",
          message: `${what}: resync started (${side.replication}).`,
        });
      if (wasSyncing && !isSyncing)
        events.push({
          ...base,
          kind: "drbd.resync-finished",
          message: `${what}: resync ${side.replication === "Established" ? "finished" : `ended (${side.replication})`}.`,
        });
    }
  }
  for (const [host, vms] of Object.entries(next.vmsByHost)) {
    const old = prev.vmsByHost[host];
    if (!vms || !old) continue;
    for (const vm of vms) {
      const was = old.find((v) => v.name === vm.name);
      const base = { source: "hypervisor" as const, host, vm: vm.name };
      if (!was) {
        events.push({
          ...base,
          kind: "vm.defined",
          message: `${vm.name} appeared on ${host} (${vm.state}).`,
        });
        continue;
      }
      if (was.state !== vm.state)
        events.push({
          ...base,
          kind: "vm.state",
          message: `${vm.name} on ${host}: ${was.state} → ${vm.state}.`,
        });
      else if (was.memoryMiB !== vm.memoryMiB && vm.domId !== null)
        events.push({
          ...base,
          kind: "vm.memory",
          message: `${vm.name} on ${host}: memory ${was.memoryMiB} → ${vm.memoryMiB} MiB.`,
        });
    }
    for (const was of old)
      if (!vms.some((v) => v.name === was.name))
        events.push({
          source: "hypervisor",
          kind: "vm.gone",
          host,
          vm: was.name,
          message: `${was.name} is no longer listed on ${host} (was ${was.state}).`,
        });
  }
  return events;
}
