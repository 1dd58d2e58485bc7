/**
 * The collector (issue 7): looks at the farm on every change the agents push and at least every `tickMs`, turns
 * what changed into timeline events (changes.ts), what holds into conditions (detect.ts), and lets the store open,
 * escalate and close incidents. Operator actions (each runbook job's start, steps and end) join the timelines.
 */
import type { FarmService } from "../farm/farm-service";
import type { TFarmView } from "../farm/view";
import { toAppError } from "../errors";
import type { Db } from "../db";
import type { RunbookEngine } from "../runbooks/engine";
import { capacityChecks, type HostCapacity } from "../runbooks/capacity";
import { loadVmPolicies } from "../runbooks/policies";
import type { JobView } from "../runbooks/types";
import { diffSnapshots, type FarmSnapshot } from "./changes";
import { detect, newDetectState, type DetectState } from "./detect";
import type { EventMatcher, IncidentStore, OpenIncidentRow } from "./store";
import { DEFAULT_HISTORY_SETTINGS, readSetting, ZHistorySettings } from "./settings";
import { DEFAULT_MONITOR_SETTINGS, type FarmEventInput, type MonitorSettings } from "./types";

export interface MonitorOptions {
  farm: FarmService;
  store: IncidentStore;
  db: Db;
  runbooks?: RunbookEngine;
  settings?: Partial<MonitorSettings>;
  /** The longest time between two looks at the farm (default 500 ms). */
  tickMs?: number;
  /** How often the state history (free memory, sync progress) is sampled (default 60 s). */
  sampleMs?: number;
  log?: (line: string) => void;
}

export const HISTORY_KEY = "history";

const HOST_KINDS = new Set([
  "host-down",
  "host-unreachable",
  "mgmt-unreachable",
  "host-hung",
  "host-key-changed",
]);
const POLICY_REFRESH_MS = 10_000;

export class Monitor {
  readonly settings: MonitorSettings;
  private readonly state: DetectState = newDetectState();
  private previous: FarmSnapshot | null = null;
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private readonly unsubscribe: Array<() => void> = [];
  private readonly jobSteps = new Map<string, string[]>();
  /** Jobs whose end was recorded (a job reports its end more than once). */
  private readonly jobsEnded = new Set<string>();
  private jobQueue: Promise<void> = Promise.resolve();
  private readonly everReady = new Set<string>();
  private policies: Awaited<ReturnType<typeof loadVmPolicies>> | null = null;
  private policiesAt = 0;
  private stopped = false;
  private lastSampleAt = 0;
  private lastPruneAt = 0;

  constructor(private readonly options: MonitorOptions) {
    this.settings = { ...DEFAULT_MONITOR_SETTINGS, ...options.settings };
  }

  async start(): Promise<void> {
    await this.options.store.load();
    this.unsubscribe.push(this.options.farm.onChange(() => this.lookSoon()));
    if (this.options.runbooks)
      // One at a time: each reads the job and compares it with what the previous one recorded.
      this.unsubscribe.push(
        this.options.runbooks.onChange((c) => {
          this.jobQueue = this.jobQueue.then(() => this.jobChanged(c.id));
        }),
      );
    this.timer = setInterval(() => this.look(), this.options.tickMs ?? 500);
    this.look();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.soon);
    for (const u of this.unsubscribe) u();
  }

  /** Resolves when everything seen so far is written (tests). */
  flush(): Promise<void> {
    return this.options.store.flush();
  }

  /** A change was pushed: look within 50 ms (a resync reports several times a second; one look covers them). */
  private lookSoon(): void {
    if (this.soon || this.stopped) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      this.look();
    }, 50);
  }

  /** One look: events for what changed, then the incidents for what holds. Synchronous; writes are queued. */
  look(): void {
    if (this.stopped) return;
    try {
      const { farm, store } = this.options;
      const now = Date.now();
      const view = farm.getView();
      const hosts = farm.liveness();
      const lists = farm.vmLists();
      const snapshot: FarmSnapshot = {
        hosts,
        resources: view.resources,
        vmsByHost: Object.fromEntries(lists.map((l) => [l.host, l.fresh ? l.vms : null])),
      };
      const matches = matcherFor(view);
      // A host's first session since the panel started is not news; every later return is.
      const events = diffSnapshots(this.previous, snapshot).filter(
        (e) => e.kind !== "host.reachable" || this.everReady.has(e.host ?? ""),
      );
      for (const h of hosts) if (h.session === "ready") this.everReady.add(h.name);
      void store.record(events, matches);
      this.previous = snapshot;
      const conditions = detect(
        {
          now,
          settings: this.settings,
          hosts,
          view,
          vmsByHost: Object.fromEntries(lists.map((l) => [l.host, { fresh: l.fresh, vms: l.vms }])),
          open: store.open(),
          busy: this.options.runbooks?.activeScope() ?? {
            hosts: new Set(),
            resources: new Set(),
            vms: new Set(),
          },
          ...this.capacity(view),
        },
        this.state,
      );
      void store.reconcile(conditions, matches);
      if (now - this.lastSampleAt >= (this.options.sampleMs ?? 60_000)) {
        this.lastSampleAt = now;
        void this.sample(view);
      }
    } catch (err) {
      this.options.log?.(`monitor: ${toAppError(err).message}`);
    }
  }

  /** Records the state history now (and prunes it, once an hour). */
  sampleNow(): Promise<void> {
    return this.sample(this.options.farm.getView());
  }

  /** The state history: each answering host's free memory, each resource's sync progress (100 when in sync). */
  private async sample(view: TFarmView): Promise<void> {
    const at = new Date();
    const rows: Array<{ at: Date; metric: string; host?: string; resource?: string; value: number }> = [];
    for (const h of view.hosts)
      if (h.reachable && h.memory)
        rows.push({ at, metric: "memory.freeMiB", host: h.name, value: h.memory.freeMiB });
    for (const r of view.resources) {
      const sides = r.sides.filter((s) => !s.stale && s.role !== "Unknown");
      if (sides.length === 0) continue;
      const syncing = sides.find((s) => s.syncPercent !== null);
      const inSync =
        sides.length === 2 && sides.every((s) => s.connection === "Connected" && s.disk === "UpToDate");
      const value = syncing?.syncPercent ?? (inSync ? 100 : null);
      if (value !== null) rows.push({ at, metric: "drbd.syncPercent", resource: r.name, value });
    }
    try {
      if (rows.length > 0) await this.options.db.sample.createMany({ data: rows });
      if (at.getTime() - this.lastPruneAt >= 3_600_000) {
        this.lastPruneAt = at.getTime();
        const { retentionDays } = await readSetting(
          this.options.db,
          HISTORY_KEY,
          ZHistorySettings,
          DEFAULT_HISTORY_SETTINGS,
        );
        await this.options.db.sample.deleteMany({
          where: { at: { lt: new Date(at.getTime() - retentionDays * 86_400_000) } },
        });
      }
    } catch (err) {
      this.options.log?.(`monitor: samples: ${toAppError(err).message}`);
    }
  }

  private capacity(view: TFarmView): { capacity?: HostCapacity[] } {
    if (Date.now() - this.policiesAt > POLICY_REFRESH_MS) {
      this.policiesAt = Date.now();
      loadVmPolicies(this.options.db).then(
        (p) => (this.policies = p),
        (err: unknown) => this.options.log?.(`monitor: VM policies: ${toAppError(err).message}`),
      );
    }
    return this.policies ? { capacity: capacityChecks(view, this.policies) } : {};
  }

  /** A job changed: its start, each step that ended and its end become operator events. */
  private async jobChanged(id: string): Promise<void> {
    let job: JobView | null;
    try {
      job = await this.options.runbooks!.journal.get(id);
    } catch (err) {
      this.options.log?.(`monitor: job ${id}: ${toAppError(err).message}`);
      return;
    }
    if (!job || this.jobsEnded.has(id)) return;
    const seen = this.jobSteps.get(id);
    const events: FarmEventInput[] = [];
    const base = { source: "operator" as const, host: job.from };
    if (!seen)
      events.push({
        ...base,
        kind: "job.started",
        message: `Job ${job.kind} ${job.from} → ${job.to} started (${id}).`,
        data: { jobId: id },
      });
    const statuses = job.steps.map((s) => s.status);
    job.steps.forEach((step, i) => {
      if (seen?.[i] === step.status || !["succeeded", "failed", "skipped"].includes(step.status)) return;
      const plan = job.plan.steps[i];
      events.push({
        source: "operator",
        kind: `step.${step.status}`,
        host: step.host,
        ...(plan?.resource ? { resource: plan.resource } : {}),
        ...(plan?.vm ? { vm: plan.vm } : {}),
        message: `Step ${step.key}: ${step.status}${step.error ? ` (${step.error.message})` : step.note ? ` (${step.note})` : ""}.`,
        data: { jobId: id },
      });
    });
    this.jobSteps.set(id, statuses);
    if (["succeeded", "failed", "cancelled"].includes(job.status)) {
      this.jobSteps.delete(id);
      this.jobsEnded.add(id);
      if (this.jobsEnded.size > 1000) this.jobsEnded.delete(this.jobsEnded.values().next().value!);
      events.push({
        ...base,
        kind: `job.${job.status}`,
        message: `Job ${job.kind} ${job.from} → ${job.to} ${job.status}${job.report ? `: ${job.report.summary}` : ""}.`,
        data: { jobId: id },
      });
    }
    await this.options.store.record(events, matcherFor(this.options.farm.getView()));
  }
}

/**
 * Which events join which open incident's timeline. A host or a runbook concerns the whole farm (two hosts, every
 * resource mirrored between them); a resource, its VMs and both hosts' sessions; a VM, its resource and its host;
 * memory, its host's VMs and session.
 */
export function matcherFor(view: TFarmView): EventMatcher {
  const vmResource = new Map(view.vms.map((v) => [v.name, v.resource]));
  const vmHost = new Map(view.vms.map((v) => [v.name, v.host]));
  return (incident: OpenIncidentRow, event: FarmEventInput) => {
    // The panel's own entries (an incident opened or closed, a notification) belong to their incident only.
    if (event.source === "panel") return false;
    if (incident.jobId !== null || HOST_KINDS.has(incident.kind)) return true;
    const hostOnly = !event.resource && !event.vm;
    if (incident.resource !== null && incident.kind !== "disk-failed" && incident.vm === null)
      return (
        event.resource === incident.resource ||
        (event.vm !== undefined && vmResource.get(event.vm) === incident.resource) ||
        (hostOnly && event.host !== undefined)
      );
    if (incident.kind === "disk-failed")
      return event.resource === incident.resource || (hostOnly && event.host === incident.host);
    if (incident.vm !== null)
      return (
        event.vm === incident.vm ||
        (event.resource !== undefined && event.resource === vmResource.get(incident.vm)) ||
        (hostOnly && (event.host === incident.host || event.host === vmHost.get(incident.vm)))
      );
    // memory
    return event.host === incident.host && event.source !== "drbd";
  };
}
