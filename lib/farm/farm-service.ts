import { AgentClient } from "../agent-client/client";
import { AppError, toAppError } from "../errors";
import type { Transport } from "../transport/types";
import type { TDrbdStatus, THeartbeat, THostFacts, TVmInfo } from "../../agents/protocol/schemas";
import { buildFarmView, type HostObservation, type ResourceMeta, type TFarmView } from "./view";
import type { InventoryStore } from "./inventory";
import { installAgent, type AgentInstallRemote, type InstalledAgent } from "../agent-install/install-agent";

export interface FarmHostSpec {
  name: string;
  address: string;
  transport: Transport;
  standbyMiB?: number;
  /** How to install or upgrade this host's agent (SSH hosts); absent for simulated hosts. */
  agentInstall?: { remote: AgentInstallRemote; path: string };
}

/** Typed invalidation pushed to browsers: refetch `/api/farm` (see lib/realtime/events.ts). */
export interface FarmChange {
  type: "host" | "drbd" | "vm";
  id: string;
  changed?: string[];
}

interface HostRuntime {
  spec: FarmHostSpec;
  client: AgentClient;
  obs: HostObservation;
  /** Counts notifications per kind, so a slower full read never overwrites a newer pushed state. */
  generation: { drbd: number; vm: number };
  /** Since when the session is down (the service's start, for a host not reached yet); null while it is up. */
  downSince: number | null;
  connectedAt?: number;
  /** A full read (facts, DRBD, VMs) completed since the session came up: its observation is current. */
  fresh: boolean;
  /** The last heartbeat and when it arrived (panel clock). */
  heartbeat: { at: number; beat: THeartbeat } | null;
}

/** What the monitor needs to judge a host's health (lib/monitor/detect.ts), on the panel's clock (ms). */
export interface HostLiveness {
  name: string;
  session: "ready" | "down";
  /** The session is up and a full read completed since: what the host reported is current. */
  fresh: boolean;
  downSince: number | null;
  /** When the session came up or the last heartbeat arrived, whichever is later. */
  lastHeardAt: number | null;
  /** The longest-running probe the agent reported in its last heartbeat (ms), with its name. */
  stuckProbe: { name: string; inFlightMs: number } | null;
  /** The standby memory this host keeps free (MiB). */
  standbyMiB: number;
  error: { code: string; message: string } | null;
}

const FACTS_REFRESH_DEBOUNCE_MS = 100;

/**
 * Keeps one agent session per host and the last state each host reported; composes the farm view.
 * A host that does not answer keeps its last known state, marked stale; nothing here throws on one host's failure.
 */
export class FarmService {
  private readonly hosts: HostRuntime[];
  private readonly listeners = new Set<(change: FarmChange) => void>();
  private readonly factsTimers = new Map<string, NodeJS.Timeout>();
  private readonly installing = new Set<string>();
  /** Where each VM was last seen running (the view shows a VM that runs nowhere there). */
  private readonly lastRunningHost = new Map<string, string>();

  constructor(
    private readonly options: {
      simulated: boolean;
      hosts: FarmHostSpec[];
      resources: ResourceMeta[];
      inventory?: InventoryStore;
      log?: (message: string) => void;
      /** The agent bundle this panel installs (agents/dist/tandem-agent.js). */
      agentBundle?: () => Buffer;
    },
  ) {
    this.hosts = options.hosts.map((spec) => ({
      spec,
      client: new AgentClient(spec.name, spec.transport, { ...(options.log ? { log: options.log } : {}) }),
      obs: {
        name: spec.name,
        reachable: false,
        lastSeenAt: null,
        error: null,
        standbyMiB: spec.standbyMiB ?? 1024,
        agentVersion: null,
        agentInstallable: spec.agentInstall !== undefined,
        facts: null,
        drbd: null,
        vms: null,
      },
      generation: { drbd: 0, vm: 0 },
      downSince: Date.now(),
      heartbeat: null,
      fresh: false,
    }));
  }

  get simulated(): boolean {
    return this.options.simulated;
  }

  async start(): Promise<void> {
    if (this.options.inventory) {
      await this.options.inventory.registerFarm(
        this.options.hosts,
        this.options.resources,
        this.options.simulated,
      );
      const last = await this.options.inventory.loadLastObservations();
      for (const h of this.hosts) {
        const saved = last.get(h.spec.name);
        if (saved)
          Object.assign(h.obs, {
            facts: saved.facts,
            drbd: saved.drbd,
            vms: saved.vms,
            lastSeenAt: saved.lastSeenAt,
          });
      }
    }
    for (const h of this.hosts) {
      h.client.onState((state, error) => {
        if (state === "ready") {
          h.downSince = null;
          h.heartbeat = null;
          h.fresh = false;
          h.connectedAt = Date.now();
          h.obs.agentVersion = h.client.hello?.agentVersion ?? null;
          void this.refreshHost(h);
        } else if (state === "down") this.markUnreachable(h, error);
      });
      h.client.onNotification((name, params) => {
        if (name === "drbd.changed") {
          h.generation.drbd++;
          this.update(h, { drbd: params as TDrbdStatus }, "drbd");
        } else if (name === "agent.heartbeat") {
          h.heartbeat = { at: Date.now(), beat: params as THeartbeat };
        } else if (name === "vm.changed") {
          h.generation.vm++;
          this.update(h, { vms: (params as { vms: TVmInfo[] }).vms }, "vm");
          this.scheduleFactsRefresh(h); // free memory follows the VMs
        }
      });
      h.client.start();
    }
  }

  stop(): void {
    for (const t of this.factsTimers.values()) clearTimeout(t);
    for (const h of this.hosts) h.client.stop();
  }

  onChange(listener: (change: FarmChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  getView(): TFarmView {
    return buildFarmView({
      simulated: this.options.simulated,
      hosts: this.hosts.map((h) => h.obs),
      resources: this.options.resources,
      lastRunningHost: this.lastRunningHost,
    });
  }

  /** What each host last reported of its VMs, and whether it answers now. */
  vmLists(): Array<{ host: string; fresh: boolean; vms: TVmInfo[] | null }> {
    return this.hosts.map((h) => ({
      host: h.spec.name,
      fresh: h.client.state === "ready" && h.fresh,
      vms: h.obs.vms,
    }));
  }

  /** Each host's session, heartbeat and probes, for the monitor. */
  liveness(): HostLiveness[] {
    return this.hosts.map((h) => {
      const ready = h.client.state === "ready";
      const probes = h.heartbeat?.beat.probes ?? [];
      const stuck = probes
        .filter((p) => p.inFlightMs !== null)
        .sort((a, b) => b.inFlightMs! - a.inFlightMs!)[0];
      return {
        name: h.spec.name,
        session: ready ? "ready" : "down",
        fresh: ready && h.fresh,
        downSince: ready ? null : (h.downSince ?? Date.now()),
        lastHeardAt: ready ? Math.max(h.connectedAt ?? 0, h.heartbeat?.at ?? 0) || null : null,
        stuckProbe: ready && stuck ? { name: stuck.name, inFlightMs: stuck.inFlightMs! } : null,
        standbyMiB: h.obs.standbyMiB,
        error: h.obs.error,
      };
    });
  }

  /**
   * Re-reads every host that answers (facts, DRBD, VMs) and returns the view: what a runbook plans on must not
   * miss a change a notification has not brought yet.
   */
  async freshView(): Promise<TFarmView> {
    await Promise.all(this.hosts.filter((h) => h.client.state === "ready").map((h) => this.refreshHost(h)));
    return this.getView();
  }

  /** The agent client of one host (for later services: runbooks, VM actions). */
  client(host: string): AgentClient {
    return this.host(host).client;
  }

  /**
   * Installs or upgrades the agent on a host (upload, SHA-256 check on the host, atomic rename, `version`),
   * then restarts the host's session so that it runs the new agent. One install per host at a time.
   */
  async installAgent(host: string): Promise<InstalledAgent> {
    const h = this.host(host);
    const target = h.spec.agentInstall;
    if (!target || !this.options.agentBundle)
      throw new AppError("CONFLICT", `${host} is simulated: it runs the panel's own agent bundle`, {
        userMessage: "A simulated host runs the panel's own agent; there is nothing to install.",
        details: { host },
      });
    if (this.installing.has(host))
      throw new AppError("CONFLICT", `an agent install on ${host} is already running`, {
        userMessage: "An agent install on this host is already running.",
        details: { host },
      });
    this.installing.add(host);
    try {
      const result = await installAgent({
        remote: target.remote,
        bundle: this.options.agentBundle(),
        remotePath: target.path,
      });
      this.options.log?.(
        `${host}: agent ${result.agentVersion} installed at ${result.path} (${result.sha256})`,
      );
      void this.options.inventory?.recordEvent({
        kind: "agent.installed",
        host,
        message: `Agent ${result.agentVersion} installed on ${host} at ${result.path}.`,
        data: result,
      });
      h.client.reconnect();
      return result;
    } finally {
      this.installing.delete(host);
    }
  }

  private host(name: string): HostRuntime {
    const h = this.hosts.find((x) => x.spec.name === name);
    if (!h)
      throw new AppError("NOT_FOUND", `no host named ${name}`, {
        details: { field: "host", rule: "must name a configured host" },
      });
    return h;
  }

  private async refreshHost(h: HostRuntime): Promise<void> {
    const before = { ...h.generation };
    const [facts, drbd, vms] = await Promise.allSettled([
      h.client.call("host.facts", {}),
      h.client.call("drbd.status", {}),
      h.client.call("vm.list", {}),
    ]);
    const patch: Partial<HostObservation> = {};
    if (facts.status === "fulfilled") patch.facts = facts.value;
    // A notification that arrived while these reads ran carries newer state than their results.
    if (drbd.status === "fulfilled" && h.generation.drbd === before.drbd) patch.drbd = drbd.value;
    if (vms.status === "fulfilled" && h.generation.vm === before.vm) patch.vms = vms.value.vms;
    const failed = [facts, drbd, vms].find((r): r is PromiseRejectedResult => r.status === "rejected");
    patch.error = failed ? summarize(toAppError(failed.reason)) : null;
    if (!failed && h.client.state === "ready") h.fresh = true;
    this.update(h, patch, "host");
  }

  private scheduleFactsRefresh(h: HostRuntime): void {
    if (this.factsTimers.has(h.spec.name)) return;
    this.factsTimers.set(
      h.spec.name,
      setTimeout(() => {
        this.factsTimers.delete(h.spec.name);
        h.client.call("host.facts", {}).then(
          (facts: THostFacts) => this.update(h, { facts }, "host"),
          (err: unknown) => this.options.log?.(`${h.spec.name}: host.facts: ${toAppError(err).message}`),
        );
      }, FACTS_REFRESH_DEBOUNCE_MS),
    );
  }

  private markUnreachable(h: HostRuntime, error: AppError | undefined): void {
    h.downSince ??= Date.now();
    h.fresh = false;
    h.obs.reachable = false;
    h.obs.error = error ? summarize(error) : { code: "HOST_UNREACHABLE", message: "not connected" };
    this.emit({ type: "host", id: h.spec.name, changed: ["reachable"] });
  }

  private update(h: HostRuntime, patch: Partial<HostObservation>, type: FarmChange["type"]): void {
    Object.assign(h.obs, patch, { reachable: true, lastSeenAt: new Date() });
    for (const vm of patch.vms ?? []) if (vm.domId !== null) this.lastRunningHost.set(vm.name, h.spec.name);
    this.emit({ type, id: h.spec.name, changed: Object.keys(patch) });
    void this.options.inventory
      ?.saveObservation(h.obs, () => this.getView())
      .catch((err: unknown) => {
        this.options.log?.(`inventory: ${toAppError(err).message}`);
      });
  }

  private emit(change: FarmChange): void {
    for (const l of this.listeners) l(change);
  }
}

/** The code (which the page words in the reader's language) and the technical message as evidence. */
function summarize(err: AppError): { code: string; message: string } {
  return { code: err.code, message: err.message };
}
