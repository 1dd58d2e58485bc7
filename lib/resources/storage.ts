/**
 * What the resource wizard reads from the hosts (issue 6): each host's volume groups and volumes, DRBD
 * configuration, addresses and DRBD syntax; and the dry run of a new resource: the request checked against
 * both hosts, and the generated file validated by the real `drbdadm` on each host (the agent's
 * drbd.validateConfig). Reads only: nothing on a host changes.
 */
import { AppError, toAppError } from "../errors";
import type { FarmService } from "../farm/farm-service";
import type { ResourceMeta } from "../farm/view";
import {
  checkCreateResource,
  type CreateResourceCheck,
  type HostStorageFacts,
  type TCreateResourceRequest,
} from "./create";

const MiB = 1024 * 1024;

/** GET /api/hosts/:name/storage */
export interface HostStorageView {
  host: string;
  vgs: Array<{ name: string; sizeMiB: number; freeMiB: number }>;
  /** Logical volumes that no DRBD resource of the host uses (candidates for an existing backing device). */
  unusedVolumes: Array<{ device: string; sizeMiB: number }>;
  /** IPv4 addresses usable for replication (loopback excluded). */
  addresses: string[];
  /** Bridges a VM's network can join (Linux or Open vSwitch). */
  bridges: Array<{ name: string; kind: "bridge" | "openvswitch" }>;
}

function ensureHost(farm: FarmService, host: string): void {
  if (!farm.getView().hosts.some((h) => h.name === host))
    throw new AppError("NOT_FOUND", `no host ${host} in the farm`, { userMessage: `No host named ${host}.` });
}

/** Everything the wizard's check needs from one host; `reachable: false` when it does not answer. */
export async function storageFacts(
  farm: FarmService,
  host: string,
  mountPoint?: string,
): Promise<HostStorageFacts> {
  ensureHost(farm, host);
  const client = farm.client(host);
  const empty: HostStorageFacts = {
    host,
    reachable: false,
    vgs: [],
    lvs: [],
    configured: [],
    addresses: [],
    mountPoints: [],
    drbdSyntax: "9",
  };
  if (client.state !== "ready") return empty;
  try {
    const [groups, volumes, configured, addresses, version, mounted] = await Promise.all([
      client.call("lvm.listGroups", {}),
      client.call("lvm.listVolumes", {}),
      client.call("drbd.configured", {}),
      client.call("host.addresses", {}),
      client.call("drbd.version", {}),
      mountPoint ? client.call("fs.isMounted", { mountPoint }) : Promise.resolve({ mounted: false }),
    ]);
    return {
      host,
      reachable: true,
      vgs: groups.groups.map((g) => ({ name: g.vg, sizeBytes: g.sizeBytes, freeBytes: g.freeBytes })),
      lvs: volumes.volumes,
      configured: configured.resources,
      addresses: addresses.addresses.filter((a) => a.scope !== "host").map((a) => a.address),
      mountPoints: mounted.mounted && mountPoint ? [mountPoint] : [],
      drbdSyntax: version.syntax === "9" ? "9" : "8.4",
    };
  } catch (err) {
    const e = toAppError(err);
    if (e.code === "HOST_UNREACHABLE" || e.code === "COMMAND_TIMEOUT") return empty;
    throw e;
  }
}

export async function hostStorage(farm: FarmService, host: string): Promise<HostStorageView> {
  const f = await storageFacts(farm, host);
  if (!f.reachable)
    throw new AppError("HOST_UNREACHABLE", `${host} does not answer`, {
      userMessage: `${host} does not answer.`,
    });
  const used = new Set(
    f.configured.flatMap((r) =>
      r.hosts.filter((h) => h.name === host).flatMap((h) => h.volumes.map((v) => v.disk)),
    ),
  );
  return {
    host,
    vgs: f.vgs.map((v) => ({
      name: v.name,
      sizeMiB: Math.floor(v.sizeBytes / MiB),
      freeMiB: Math.floor(v.freeBytes / MiB),
    })),
    unusedVolumes: f.lvs
      .map((l) => ({ device: `/dev/${l.vg}/${l.lv}`, sizeMiB: Math.floor(l.sizeBytes / MiB) }))
      .filter((l) => !used.has(l.device)),
    addresses: f.addresses,
    bridges: (await farm.client(host).call("host.bridges", {})).bridges.map((b) => ({
      name: b.name,
      kind: b.kind,
    })),
  };
}

export interface CreateResourceDryRun extends CreateResourceCheck {
  /** drbdadm's verdict on the file, on each host (the file must parse as that host's own). */
  validation: Array<{ host: string; ok: boolean; message: string }>;
}

/** The dry run of POST /api/resources: the check, then the file through the real drbdadm on both hosts. */
export async function dryRunCreateResource(
  farm: FarmService,
  resources: ResourceMeta[],
  request: TCreateResourceRequest,
): Promise<CreateResourceDryRun> {
  const mountPoint = request.filesystem?.mountPoint;
  const facts = await Promise.all(
    request.hosts.map((h) =>
      farm.getView().hosts.some((x) => x.name === h.host)
        ? storageFacts(farm, h.host, mountPoint)
        : Promise.resolve({ host: h.host, reachable: false } as HostStorageFacts),
    ),
  );
  const check = checkCreateResource(request, facts, {
    hosts: farm.getView().hosts.map((h) => h.name),
    mountPoints: resources.flatMap((r) =>
      r.mountPoint ? [{ resource: r.name, mountPoint: r.mountPoint }] : [],
    ),
  });
  const validation: CreateResourceDryRun["validation"] = [];
  if (check.file)
    for (const h of request.hosts)
      try {
        await farm
          .client(h.host)
          .call("drbd.validateConfig", { resource: request.name, content: check.file });
        validation.push({ host: h.host, ok: true, message: "drbdadm dump accepted the file" });
      } catch (err) {
        validation.push({ host: h.host, ok: false, message: toAppError(err).message });
      }
  return { ...check, validation };
}
