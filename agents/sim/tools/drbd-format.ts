import {
  nodeIdOf as nodeId,
  peerOf,
  replicationOf,
  resyncProgress,
  type SimResource,
  type SimWorld,
} from "../world";

/** One `drbdsetup events2` object, as the key (object + identity) and its attributes. */
export interface Events2Object {
  key: string;
  object: "resource" | "connection" | "device" | "peer-device";
  /** The keys that name the object, as a `destroy` line gives them (`name:r5 peer-node-id:1 conn-name:xen2`). */
  id: string;
  attrs: string;
}

/**
 * The kernel objects `host` has for the resource: none unless it is configured (up) there; the device from
 * new-minor on, the connection (and its peer device) from new-peer on (SimSide.configured).
 */
export function kernelObjectsOf(
  resource: SimResource,
  host: string,
): { peer: string | undefined; device: boolean } | null {
  const side = resource.sides[host];
  if (!side?.up) return null;
  const peer = side.configured?.connection === false ? undefined : peerOf(resource, host);
  return { peer, device: side.configured?.device !== false };
}

/**
 * The objects `drbdsetup events2 [--statistics]` reports for the resources configured on `host`,
 * in drbdsetup's order (resource, connection, device, peer-device), e.g.
 * `resource name:r1 role:Primary suspended:no write-ordering:flush`.
 */
export function events2Objects(
  world: SimWorld,
  host: string,
  statistics: boolean,
  only?: string,
): Events2Object[] {
  const objects: Events2Object[] = [];
  const now = world.settledAtSimMs;
  for (const resource of Object.values(world.resources).sort((a, b) => a.name.localeCompare(b.name))) {
    if (only !== undefined && only !== "all" && resource.name !== only) continue;
    const side = resource.sides[host];
    const kernel = kernelObjectsOf(resource, host);
    if (!side || !kernel) continue;
    const { peer, device } = kernel;
    const peerSide = peer === undefined ? undefined : resource.sides[peer];
    const connected = side.connection === "Connected";
    const name = `name:${resource.name}`;
    objects.push({
      key: `resource ${resource.name}`,
      object: "resource",
      id: name,
      attrs: `${name} role:${side.role} suspended:no${statistics ? " write-ordering:flush" : ""}`,
    });
    const peerIds =
      peer === undefined ? "" : `${name} peer-node-id:${nodeId(resource, peer)} conn-name:${peer}`;
    if (peer !== undefined) {
      objects.push({
        key: `connection ${resource.name} ${peer}`,
        object: "connection",
        id: peerIds,
        attrs:
          `${peerIds} connection:${side.connection} role:${connected && peerSide ? peerSide.role : "Unknown"}` +
          (statistics ? " congested:no ap-in-flight:0 rs-in-flight:0" : ""),
      });
    }
    if (device)
      objects.push({
        key: `device ${resource.name} 0`,
        object: "device",
        id: `${name} volume:0`,
        attrs:
          `${name} volume:0 minor:${resource.minor} disk:${side.disk} client:no quorum:yes` +
          (statistics
            ? ` size:${resource.sizeKiB} read:0 written:0 al-writes:0 bm-writes:0 upper-pending:0 lower-pending:0 al-suspended:no blocked:no`
            : ""),
      });
    if (peer !== undefined && device) {
      const replication = replicationOf(resource, host);
      const progress = connected ? resyncProgress(resource, now) : null;
      let attrs =
        `${peerIds} volume:0 replication:${replication} ` +
        `peer-disk:${connected && peerSide ? peerSide.disk : "DUnknown"} peer-client:no resync-suspended:no`;
      if (progress) attrs += ` done:${progress.percent.toFixed(2)}`;
      if (statistics) {
        attrs += ` received:0 sent:0 out-of-sync:${Math.round(progress?.remainingKiB ?? side.oosKiB)} pending:0 unacked:0`;
        if (progress)
          attrs += ` dbdt1:${((resource.resync?.rateKiBps ?? 0) / 1024).toFixed(2)} eta:${progress.etaSeconds}`;
      }
      objects.push({
        key: `peer-device ${resource.name} ${peer} 0`,
        object: "peer-device",
        id: `${peerIds} volume:0`,
        attrs,
      });
    }
  }
  return objects;
}

/** `drbdsetup status --json`, shaped as drbd-utils 9.x prints it (note `peer_devices`). */
export function statusJson(world: SimWorld, host: string, only?: string): string {
  const now = world.settledAtSimMs;
  const items = Object.values(world.resources)
    .sort((a, b) => a.name.localeCompare(b.name))
    .filter((r) => kernelObjectsOf(r, host) && (only === undefined || only === "all" || r.name === only))
    .map((resource) => {
      const side = resource.sides[host]!;
      const { peer, device } = kernelObjectsOf(resource, host)!;
      const peerSide = peer === undefined ? undefined : resource.sides[peer];
      const connected = side.connection === "Connected";
      const progress = connected ? resyncProgress(resource, now) : null;
      return {
        name: resource.name,
        "node-id": nodeId(resource, host),
        role: side.role,
        suspended: false,
        "write-ordering": "flush",
        devices: !device
          ? []
          : [
              {
                volume: 0,
                minor: resource.minor,
                "disk-state": side.disk,
                client: false,
                quorum: true,
                size: resource.sizeKiB,
                read: 0,
                written: 0,
                "al-writes": 0,
                "bm-writes": 0,
                "upper-pending": 0,
                "lower-pending": 0,
              },
            ],
        connections:
          peer === undefined
            ? []
            : [
                {
                  "peer-node-id": nodeId(resource, peer),
                  name: peer,
                  "connection-state": side.connection,
                  congested: false,
                  "peer-role": connected && peerSide ? peerSide.role : "Unknown",
                  "ap-in-flight": 0,
                  "rs-in-flight": 0,
                  peer_devices: !device
                    ? []
                    : [
                        {
                          volume: 0,
                          "replication-state": replicationOf(resource, host),
                          "peer-disk-state": connected && peerSide ? peerSide.disk : "DUnknown",
                          "peer-client": false,
                          "resync-suspended": "no",
                          received: 0,
                          sent: 0,
                          "out-of-sync": Math.round(progress?.remainingKiB ?? side.oosKiB),
                          pending: 0,
                          unacked: 0,
                          "has-sync-details": progress !== null,
                          "has-online-verify-details": false,
                          "percent-in-sync": Number((progress?.percent ?? 100).toFixed(2)),
                        },
                      ],
                },
              ],
      };
    });
  return `${JSON.stringify(items, null, 2)}\n`;
}
