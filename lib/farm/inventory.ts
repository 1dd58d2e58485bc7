import type { Db } from "../db";
import type { TDrbdStatus, THostFacts, TVmInfo } from "../../agents/protocol/schemas";
import type { HostObservation, ResourceMeta, TFarmView } from "./view";

interface SavedObservation {
  facts: THostFacts | null;
  drbd: TDrbdStatus | null;
  vms: TVmInfo[] | null;
  lastSeenAt: Date | null;
}

/**
 * Keeps the inventory (hosts, resources and their sides, VMs) and the last report of each host in the
 * database, so that a restarted panel shows the last known farm (marked stale) before the hosts answer.
 * Writes for one host are coalesced and spaced: at most one every `minIntervalMs` (default 2 s), always of the
 * newest observation. A resync reports progress several times a second; writing each report (some 35
 * statements) kept the panel's CPU busy and slowed every page (measured: 25 ms → 750 ms per page load).
 */
export class InventoryStore {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly latest = new Map<string, { obs: HostObservation; view: () => TFarmView }>();
  private readonly lastWriteAt = new Map<string, number>();
  private readonly minIntervalMs: number;

  constructor(
    private readonly db: Db,
    options: { minIntervalMs?: number } = {},
  ) {
    this.minIntervalMs = options.minIntervalMs ?? 2_000;
  }

  async registerFarm(
    hosts: Array<{ name: string; address: string }>,
    resources: ResourceMeta[],
    simulated: boolean,
  ): Promise<void> {
    for (const h of hosts) {
      await this.db.host.upsert({
        where: { name: h.name },
        create: { name: h.name, address: h.address, simulated },
        update: { address: h.address, simulated },
      });
    }
    for (const r of resources) {
      await this.db.drbdResource.upsert({
        where: { name: r.name },
        create: { name: r.name, minor: -1, mountPoint: r.mountPoint ?? null },
        update: { mountPoint: r.mountPoint ?? null },
      });
    }
  }

  async loadLastObservations(): Promise<Map<string, SavedObservation>> {
    const rows = await this.db.host.findMany({
      select: { name: true, observationJson: true, lastSeenAt: true },
    });
    const result = new Map<string, SavedObservation>();
    for (const row of rows) {
      if (!row.observationJson) continue;
      const saved = JSON.parse(row.observationJson) as Omit<SavedObservation, "lastSeenAt">;
      result.set(row.name, { ...saved, lastSeenAt: row.lastSeenAt });
    }
    return result;
  }

  /**
   * Schedules a write of the host's observation. `obs` is read (and the view built) when the write happens, so
   * the write holds the newest state, not the one of the first report of a burst.
   */
  saveObservation(obs: HostObservation, view: () => TFarmView): Promise<void> {
    const pendingAlready = this.latest.has(obs.name);
    this.latest.set(obs.name, { obs, view });
    if (pendingAlready) return this.chains.get(obs.name) ?? Promise.resolve();
    const chain = (this.chains.get(obs.name) ?? Promise.resolve()).then(async () => {
      const wait = (this.lastWriteAt.get(obs.name) ?? -Infinity) + this.minIntervalMs - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const next = this.latest.get(obs.name);
      this.latest.delete(obs.name);
      if (!next) return;
      this.lastWriteAt.set(obs.name, Date.now());
      await this.write(structuredClone(next.obs), next.view());
    });
    this.chains.set(
      obs.name,
      chain.catch(() => undefined),
    );
    return chain;
  }

  /** An operator's action outside any job (an agent install) in the farm's history. */
  async recordEvent(event: { kind: string; host: string; message: string; data: unknown }): Promise<void> {
    await this.db.event.create({
      data: {
        source: "operator",
        kind: event.kind,
        host: event.host,
        message: event.message,
        dataJson: JSON.stringify(event.data),
      },
    });
  }

  /** Resolves when every pending write is done (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.chains.values()]);
  }

  private async write(obs: HostObservation, view: TFarmView): Promise<void> {
    const host = await this.db.host.update({
      where: { name: obs.name },
      data: {
        hypervisor: obs.facts?.hypervisor ?? null,
        cpus: obs.facts?.cpus ?? null,
        memoryTotalMiB: obs.facts ? Math.round(obs.facts.memory.totalKiB / 1024) : null,
        memoryFreeMiB: obs.facts ? Math.round(obs.facts.memory.freeKiB / 1024) : null,
        dom0MemoryMiB:
          obs.facts?.memory.dom0KiB === undefined ? null : Math.round(obs.facts.memory.dom0KiB / 1024),
        versionsJson: obs.facts ? JSON.stringify(obs.facts.versions) : null,
        observationJson: JSON.stringify({ facts: obs.facts, drbd: obs.drbd, vms: obs.vms }),
        lastSeenAt: obs.lastSeenAt,
      },
    });
    const now = new Date();
    for (const r of view.resources) {
      const side = r.sides.find((s) => s.host === obs.name);
      if (!side || (side.role === "Unknown" && side.disk === "DUnknown")) continue;
      const resource = await this.db.drbdResource.upsert({
        where: { name: r.name },
        create: { name: r.name, minor: r.minor ?? -1 },
        update: { minor: r.minor ?? -1 },
      });
      const data = {
        role: side.role,
        disk: side.disk,
        connection: side.connection,
        replication: side.replication,
        syncPercent: side.syncPercent,
        etaSeconds: side.etaSeconds,
        observedAt: now,
      };
      await this.db.drbdSide.upsert({
        where: { resourceId_hostId: { resourceId: resource.id, hostId: host.id } },
        create: { resourceId: resource.id, hostId: host.id, ...data },
        update: data,
      });
    }
    for (const vm of view.vms.filter((v) => v.host === obs.name)) {
      const resource = vm.resource
        ? await this.db.drbdResource.findUnique({ where: { name: vm.resource } })
        : null;
      const info = obs.vms?.find((v) => v.name === vm.name);
      const data = {
        hostId: host.id,
        resourceId: resource?.id ?? null,
        state: vm.state,
        domId: info?.domId ?? null,
        memoryMiB: vm.memoryMiB,
        maxMemoryMiB: vm.maxMemoryMiB,
        vcpus: info?.vcpus ?? null,
        observedAt: now,
      };
      await this.db.vm.upsert({ where: { name: vm.name }, create: { name: vm.name, ...data }, update: data });
    }
  }
}
