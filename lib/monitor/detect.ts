/**
 * The incident detector (issue 7): a pure function of what the panel knows now (each host's session and heartbeat,
 * the farm view, the VMs each host reported, the jobs running) and of a little memory kept between calls.
 * It returns the conditions that hold; the monitor opens an incident for each new key and closes those whose
 * key is gone.
 *
 * Host health follows the failure classes of the digest (section 4.1):
 * - severe: the host does not answer. Down once it has been silent for the dead time and its DRBD peer has lost
 *   it too; while the peer still replicates with it, the host is alive and the panel's management path is at
 *   fault (`mgmt-unreachable`, never `host-down`);
 * - medium: the session is open but the agent is silent, or its probes (the hypervisor's VM list) hang;
 * - light: a VM that crashed or stopped without the panel stopping it.
 *
 * What the panel cannot see now (a host not answering, a job at work on a resource) holds the incident that is
 * open rather than closing it or opening another.
 */
import type { TVmInfo } from "../../agents/protocol/schemas";
import type { HostLiveness } from "../farm/farm-service";
import type { TFarmView } from "../farm/view";
import type { HostCapacity } from "../runbooks/capacity";
import { RUNNING_STATES } from "../runbooks/plan";
import type { Condition, IncidentKind, MonitorSettings, Severity } from "./types";

export interface OpenIncident {
  kind: IncidentKind;
  severity: Severity;
  summary: string;
  host?: string | null;
  resource?: string | null;
  vm?: string | null;
}

export interface DetectInput {
  now: number;
  settings: MonitorSettings;
  hosts: HostLiveness[];
  view: TFarmView;
  /** What each host last reported of its VMs (null before its first report); fresh: reported since it answers. */
  vmsByHost: Record<string, { fresh: boolean; vms: TVmInfo[] | null }>;
  /** Open incidents by key. */
  open: ReadonlyMap<string, OpenIncident>;
  /** What running jobs are working on: their changes are expected, not incidents. */
  busy: { hosts: ReadonlySet<string>; resources: ReadonlySet<string>; vms: ReadonlySet<string> };
  /** The N+1 check per host (capacity.ts); absent when it could not be computed. */
  capacity?: HostCapacity[];
}

/** Memory between calls. */
export interface DetectState {
  /** The last time each host showed a sign of life (its session, or its peer replicating with it). */
  lastSignOfLife: Map<string, number>;
  /** VMs seen running and not stopped by a job since: where they ran. */
  expectedRunning: Map<string, string>;
  /** Per resource whose sides are apart: since when, and who was Primary and which VMs ran where meanwhile. */
  apart: Map<string, ApartRecord>;
  /** Since when the peer has been replicating with a host that does not answer. */
  peerSeenSince: Map<string, number>;
  /** Each host's last verdict. */
  lastVerdict: Map<string, string>;
  /** Since when a resource has been seen disconnected (reported only after the grace: a host dying takes a moment). */
  disconnectedSince: Map<string, number>;
}

export interface ApartRecord {
  since: number;
  /** Host → the last time it was seen Primary while apart. */
  primaries: Map<string, number>;
  /** Host → VMs on the resource seen running there while apart (each may have written). */
  writers: Map<string, Set<string>>;
}

/** The evidence a split-brain incident shows (kept with the incident when it opens or escalates). */
export interface SplitBrainEvidence {
  resource: string;
  detectedOn: string[];
  apartSince: string | null;
  sides: Array<{
    host: string;
    role: string;
    disk: string;
    connection: string;
    outOfSyncKiB: number | null;
    /** The last time this side was seen Primary while apart (it started a data generation of its own). */
    primaryWhileApartAt: string | null;
    /** VMs on the resource that ran on this side while apart: their writes are what one side loses. */
    vmsWhileApart: string[];
  }>;
}

export function newDetectState(): DetectState {
  return {
    lastSignOfLife: new Map(),
    expectedRunning: new Map(),
    apart: new Map(),
    disconnectedSince: new Map(),
    peerSeenSince: new Map(),
    lastVerdict: new Map(),
  };
}

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;
const SYNCING = new Set([
  "SyncSource",
  "SyncTarget",
  "PausedSyncS",
  "PausedSyncT",
  "StartingSyncS",
  "StartingSyncT",
]);
const DISK_LOST = new Set(["Diskless", "Failed"]);

type HostVerdict =
  | "ok"
  | "unknown"
  | "hung"
  | "mgmt-unreachable"
  | "host-unreachable"
  | "host-down"
  /** A host that was down and whose peer replicates with it again: it is back, its session is not yet. */
  | "recovering";

/** How long a host that came back may take to answer the panel again (the reconnect backoff is at most 5 s). */
const RECONNECT_MS = 5_000;

export function detect(input: DetectInput, state: DetectState): Condition[] {
  const conditions: Condition[] = [];
  const hold = (key: string) => {
    const open = input.open.get(key);
    if (open)
      conditions.push({
        key,
        kind: open.kind,
        severity: open.severity,
        summary: open.summary,
        ...(open.host ? { host: open.host } : {}),
        ...(open.resource ? { resource: open.resource } : {}),
        ...(open.vm ? { vm: open.vm } : {}),
      });
  };
  const verdicts = new Map<string, HostVerdict>();
  for (const host of input.hosts) {
    const verdict = hostCondition(input, state, host);
    state.lastVerdict.set(host.name, verdict.verdict);
    if (verdict.verdict !== "mgmt-unreachable" && verdict.verdict !== "recovering")
      state.peerSeenSince.delete(host.name);
    verdicts.set(host.name, verdict.verdict);
    if (verdict.condition) conditions.push(verdict.condition);
    else if (verdict.verdict === "unknown") hold(`host:${host.name}`);
  }
  // A host whose SSH key is not the pinned one is refused (possibly a man in the middle): an incident of its own,
  // open while the panel keeps refusing it; re-pinning is an administrator's decision.
  for (const host of input.hosts)
    if (host.error?.code === "HOST_KEY_CHANGED" || host.error?.code === "HOST_KEY_UNKNOWN")
      conditions.push({
        key: `hostkey:${host.name}`,
        kind: "host-key-changed",
        severity: "critical",
        host: host.name,
        summary: `${host.name} presented an SSH host key that is not the pinned one; the panel refuses it`,
        detail: { error: host.error },
      });
  // What a host reports counts once a full read completed since its session came up.
  const ready = (host: string) =>
    (verdicts.get(host) === "ok" || verdicts.get(host) === "hung") &&
    input.hosts.find((h) => h.name === host)?.fresh === true;

  for (const resource of input.view.resources) {
    trackApart(input, state, resource, ready);
    resourceConditions(input, state, resource, ready, hold, conditions);
  }
  vmConditions(input, state, verdicts, hold, conditions);
  memoryConditions(input, verdicts, hold, conditions);
  return conditions;
}

function hostCondition(
  input: DetectInput,
  state: DetectState,
  host: HostLiveness,
): { verdict: HostVerdict; condition?: Condition } {
  const { now, settings } = input;
  const key = `host:${host.name}`;
  const base = { key, host: host.name };
  const hung = (summary: string, detail: unknown) => ({
    verdict: "hung" as const,
    condition: { ...base, kind: "host-hung" as const, severity: "major" as const, summary, detail },
  });
  const peer = input.hosts.find((h) => h.name !== host.name);
  const peerReady = peer?.session === "ready";
  const seenBy = peerReady && peer ? resourcesConnectedTo(input.view, peer.name) : [];
  let silentSince: number;
  if (host.session === "ready") {
    const heardAt = host.lastHeardAt ?? now;
    state.lastSignOfLife.set(host.name, Math.max(state.lastSignOfLife.get(host.name) ?? 0, heardAt));
    const silentMs = now - heardAt;
    if (host.stuckProbe && host.stuckProbe.inFlightMs >= settings.hungAfterMs)
      return hung(
        `${host.name} answers, but its ${host.stuckProbe.name} probe has been running for ${seconds(host.stuckProbe.inFlightMs)}: its commands hang.`,
        { probe: host.stuckProbe },
      );
    if (silentMs < settings.hungAfterMs) return { verdict: "ok" };
    // The session is open but silent. If the peer still replicates with the host, its kernel runs and its agent
    // hangs (the medium class); if not, the host is gone and the session has not noticed yet (an SSH keepalive
    // takes its time): judged below like a session that ended, from its last heartbeat.
    if (seenBy.length > 0)
      return hung(
        `${host.name}'s agent session is open, but the agent has been silent for ${seconds(silentMs)}.`,
        {
          silentMs,
        },
      );
    silentSince = heardAt;
  } else {
    silentSince = host.downSince ?? now;
    if (now - silentSince < settings.graceMs) return { verdict: "unknown" };
  }
  const downSince = silentSince;
  if (peer && seenBy.length > 0) {
    state.lastSignOfLife.set(host.name, now);
    const since = state.peerSeenSince.get(host.name) ?? now;
    state.peerSeenSince.set(host.name, since);
    const before = state.lastVerdict.get(host.name);
    if (
      (before === "host-down" || before === "host-unreachable" || before === "recovering") &&
      now - since < settings.graceMs + RECONNECT_MS
    )
      return { verdict: "recovering" }; // it is back (its DRBD talks): the panel's session follows in seconds
    return {
      verdict: "mgmt-unreachable",
      condition: {
        ...base,
        kind: "mgmt-unreachable",
        severity: "warning",
        summary: `${host.name} does not answer the panel, but ${peer.name} still replicates with it (${seenBy.join(", ")} Connected): the management network is at fault, not the host.`,
        detail: { error: host.error, connectedOnPeer: seenBy },
      },
    };
  }
  if (peer && !peerReady)
    return {
      verdict: "host-unreachable",
      condition: {
        ...base,
        kind: "host-unreachable",
        severity: "major",
        summary: `Neither ${host.name} nor ${peer.name} answers the panel: the panel cannot tell a dead host from its own network failing.`,
        detail: { error: host.error },
      },
    };
  // From its last heartbeat (or its peer seeing it), not from when the session noticed: SSH may take a while.
  const last = state.lastSignOfLife.get(host.name) ?? downSince;
  const silentMs = now - last;
  if (silentMs >= settings.deadTimeMs)
    return {
      verdict: "host-down",
      condition: {
        ...base,
        kind: "host-down",
        severity: "critical",
        summary: `${host.name} is down: silent for ${seconds(silentMs)} (dead time ${seconds(settings.deadTimeMs)})${peer ? `, and ${peer.name} has lost its replication links to it` : ""}.`,
        detail: { error: host.error, lastSignOfLife: new Date(last).toISOString() },
      },
    };
  return {
    verdict: "host-unreachable",
    condition: {
      ...base,
      kind: "host-unreachable",
      severity: "major",
      summary: `${host.name} does not answer the panel${peer ? ` and ${peer.name} does not see it either` : ""}; it is declared down after the dead time (${seconds(settings.deadTimeMs)}).`,
      detail: { error: host.error },
    },
  };
}

/** A disconnection seen for at least the grace (or already an incident). */
function settled(input: DetectInput, state: DetectState, key: string): boolean {
  return (
    input.open.has(key) ||
    input.now - (state.disconnectedSince.get(key) ?? input.now) >= input.settings.graceMs
  );
}

/** Resources whose side on `observer` is Connected to its peer: the peer is alive. */
function resourcesConnectedTo(view: TFarmView, observer: string): string[] {
  return view.resources
    .filter((r) => r.sides.some((s) => s.host === observer && !s.stale && s.connection === "Connected"))
    .map((r) => r.name);
}

/** While a resource's sides are apart, remember who was Primary and which of its VMs ran where: the evidence. */
function trackApart(
  input: DetectInput,
  state: DetectState,
  resource: TFarmView["resources"][number],
  ready: (host: string) => boolean,
): void {
  const known = resource.sides.filter((s) => ready(s.host) && s.role !== "Unknown");
  if (known.length === 0) return;
  const together =
    known.length === 2 && known.every((s) => s.connection === "Connected" && s.disk === "UpToDate");
  if (together) {
    state.apart.delete(resource.name);
    return;
  }
  if (!known.some((s) => s.connection !== "Connected") && !state.apart.has(resource.name)) return;
  const record = state.apart.get(resource.name) ?? {
    since: input.now,
    primaries: new Map(),
    writers: new Map(),
  };
  state.apart.set(resource.name, record);
  for (const side of known) if (side.role === "Primary") record.primaries.set(side.host, input.now);
  for (const vm of input.view.vms)
    if (vm.resource === resource.name && !vm.stale && RUNNING_STATES.has(vm.state) && ready(vm.host)) {
      const set = record.writers.get(vm.host) ?? new Set<string>();
      record.writers.set(vm.host, set.add(vm.name));
    }
}

function evidenceOf(
  state: DetectState,
  resource: TFarmView["resources"][number],
  detectedOn: string[],
): SplitBrainEvidence {
  const record = state.apart.get(resource.name);
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  return {
    resource: resource.name,
    detectedOn,
    apartSince: iso(record?.since),
    sides: resource.sides.map((s) => ({
      host: s.host,
      role: s.role,
      disk: s.disk,
      connection: s.connection,
      outOfSyncKiB: s.outOfSyncKiB,
      primaryWhileApartAt: iso(record?.primaries.get(s.host)),
      vmsWhileApart: [...(record?.writers.get(s.host) ?? [])].sort(),
    })),
  };
}

function resourceConditions(
  input: DetectInput,
  state: DetectState,
  resource: TFarmView["resources"][number],
  ready: (host: string) => boolean,
  hold: (key: string) => void,
  out: Condition[],
): void {
  const key = `drbd:${resource.name}`;
  const resyncKey = `resync:${resource.name}`;
  const diskKeys = resource.sides.map((s) => `disk:${resource.name}:${s.host}`);
  const holdAll = () => [key, resyncKey, ...diskKeys].forEach(hold);
  const present = resource.sides.filter((s) => s.role !== "Unknown");
  if (present.length === 0) return; // not up anywhere: nothing to watch (not created yet, or deleted)
  if (input.busy.resources.has(resource.name) || !resource.sides.every((s) => ready(s.host)))
    return holdAll();

  const openKind = input.open.get(key)?.kind;
  const healthy =
    present.length === 2 &&
    present.every(
      (s) => s.connection === "Connected" && s.disk === "UpToDate" && !SYNCING.has(s.replication),
    );
  const syncing = present.find((s) => SYNCING.has(s.replication));
  const splitBrain = present.filter((s) => s.splitBrain);
  const apart = resource.sides.filter((s) => s.connection !== "Connected");
  if (apart.length === 0) state.disconnectedSince.delete(key);
  else if (!state.disconnectedSince.has(key)) state.disconnectedSince.set(key, input.now);
  const where = (sides: typeof resource.sides) =>
    sides.map((s) => `${s.connection === "Unknown" ? "not up" : s.connection} on ${s.host}`).join(", ");

  if (splitBrain.length > 0 || (openKind === "split-brain" && !healthy))
    out.push({
      key,
      kind: "split-brain",
      severity: "critical",
      resource: resource.name,
      ...(splitBrain.length > 0
        ? {
            detail: evidenceOf(
              state,
              resource,
              splitBrain.map((s) => s.host),
            ),
          }
        : {}),
      summary:
        splitBrain.length > 0
          ? `${resource.name}: split brain detected on ${splitBrain.map((s) => s.host).join(" and ")}: both sides wrote while apart. Nothing is discarded automatically: choose the side whose changes are lost.`
          : `${resource.name}: split brain, recovery under way (${where(resource.sides)}${syncing ? ", resync running" : ""}).`,
    });
  else if (apart.length > 0 && !settled(input, state, key))
    hold(key); // a host that just died looks like this too, for a moment
  else if (apart.length > 0)
    out.push({
      key,
      kind: "drbd-disconnected",
      severity: "major",
      resource: resource.name,
      summary: `${resource.name} is not replicating: ${where(apart)}.${apart.some((s) => s.connection === "StandAlone") ? " A StandAlone side does not reconnect by itself." : ""}`,
    });
  else if (openKind === "drbd-disconnected" && !healthy)
    out.push({
      key,
      kind: "drbd-disconnected",
      severity: "major",
      resource: resource.name,
      summary: `${resource.name} is connected again; the incident closes when both sides are UpToDate.`,
    });
  else if (syncing && !input.open.has(key) && !diskKeys.some((k) => input.open.has(k))) {
    const target = present.find((s) => s.replication === "SyncTarget" || s.replication === "PausedSyncT");
    const source = present.find((s) => s.host !== target?.host);
    out.push({
      key: resyncKey,
      kind: "resync",
      severity: "info",
      resource: resource.name,
      summary: `${resource.name}: resync${source && target ? ` from ${source.host} to ${target.host}` : ""}.`,
    });
  }

  for (const side of present) {
    const diskKey = `disk:${resource.name}:${side.host}`;
    const lost = DISK_LOST.has(side.disk);
    if (lost || (input.open.has(diskKey) && side.disk !== "UpToDate"))
      out.push({
        key: diskKey,
        kind: "disk-failed",
        severity: "major",
        host: side.host,
        resource: resource.name,
        summary: lost
          ? `${resource.name} on ${side.host}: the backing disk is ${side.disk}; I/O goes to the peer.`
          : `${resource.name} on ${side.host}: the disk is back (${side.disk}); the incident closes when it is UpToDate.`,
      });
  }
}

function vmConditions(
  input: DetectInput,
  state: DetectState,
  verdicts: ReadonlyMap<string, HostVerdict>,
  hold: (key: string) => void,
  out: Condition[],
): void {
  const fresh = (host: string) =>
    (verdicts.get(host) === "ok" || verdicts.get(host) === "hung") && input.vmsByHost[host]?.fresh === true;
  const names = new Set<string>();
  const runningOn = new Map<string, string>();
  const crashedOn = new Map<string, string>();
  for (const [host, { vms }] of Object.entries(input.vmsByHost))
    for (const vm of vms ?? []) {
      names.add(vm.name);
      if (!fresh(host)) continue;
      if (RUNNING_STATES.has(vm.state)) runningOn.set(vm.name, host);
      else if (vm.state === "crashed") crashedOn.set(vm.name, host);
    }
  for (const name of names) {
    const key = `vm:${name}`;
    const running = runningOn.get(name);
    if (running) {
      state.expectedRunning.set(name, running);
      continue;
    }
    if (input.busy.vms.has(name)) {
      // A job stops or moves it: expected while it runs; afterwards the VM must run somewhere again (a failover
      // that could not start it leaves it down, and its incident open).
      hold(key);
      continue;
    }
    const crashed = crashedOn.get(name);
    if (crashed) {
      out.push({
        key,
        kind: "vm-crashed",
        severity: "major",
        vm: name,
        host: crashed,
        summary: `${name} crashed on ${crashed}.`,
      });
      continue;
    }
    const host = state.expectedRunning.get(name);
    if (host === undefined) continue;
    const verdict = verdicts.get(host);
    if (verdict === "host-down")
      out.push({
        key,
        kind: "vm-crashed",
        severity: "major",
        vm: name,
        host,
        summary: `${name} is down: its host ${host} is down.`,
      });
    else if (fresh(host))
      out.push({
        key,
        kind: "vm-crashed",
        severity: "major",
        vm: name,
        host,
        summary: `${name} stopped on ${host}, and not by the panel.`,
      });
    else hold(key); // its host's state is unknown or only the management path is cut: the VM may well run
  }
  for (const name of state.expectedRunning.keys()) if (!names.has(name)) state.expectedRunning.delete(name);
}

function memoryConditions(
  input: DetectInput,
  verdicts: ReadonlyMap<string, HostVerdict>,
  hold: (key: string) => void,
  out: Condition[],
): void {
  for (const host of input.hosts) {
    const key = `memory:${host.name}`;
    const verdict = verdicts.get(host.name);
    if (
      verdict === "unknown" ||
      verdict === "mgmt-unreachable" ||
      input.busy.hosts.has(host.name) ||
      ((verdict === "ok" || verdict === "hung") && !host.fresh)
    ) {
      hold(key);
      continue;
    }
    if (verdict !== "ok" && verdict !== "hung") continue; // a host that is down (or booting) has no memory to judge

    const memory = input.view.hosts.find((h) => h.name === host.name)?.memory;
    const check = input.capacity?.find((c) => c.host === host.name);
    const reasons: string[] = [];
    if (memory && memory.freeMiB < host.standbyMiB)
      reasons.push(`${memory.freeMiB} MiB free, below its standby reserve of ${host.standbyMiB} MiB`);
    if (check && check.incoming > 0 && !check.fits)
      reasons.push(
        `it could not take over ${check.from}'s VMs if ${check.from} failed now (${check.requiredUnstarted.join(", ") || "required VMs"} would not start)`,
      );
    if (reasons.length > 0)
      out.push({
        key,
        kind: "memory-pressure",
        severity: "warning",
        host: host.name,
        summary: `${host.name}: ${reasons.join("; ")}.`,
        detail: { freeMiB: memory?.freeMiB ?? null, standbyMiB: host.standbyMiB, nPlusOne: check ?? null },
      });
  }
}
