import { DEFAULT_RESYNC_KIBPS } from "./drbd-kernel";
import { WORLD_FORMAT, type SimHost, type SimResource, type SimVm, type SimWorld } from "./world";

/**
 * The MozillaGumi farm of ../shared/domain/farm-design.md: xen1 and xen2 (8 GiB, dom0 1 GiB, Xen with xl),
 * r1..r4 (r1 and r3 Primary on xen1, r2 Primary on xen2, r4 the unused dual-primary test resource),
 * and the 13 VMs of the paper's Table 3.
 */
export function createMozillaGumiWorld(
  options: {
    speed?: number;
    realNowMs?: number;
    /** DRBD generation per host: "9" (default: kernel 9.2, utils 9.22) or "8.4" (kernel and utils 8.4.11). */
    drbd?: Partial<Record<"xen1" | "xen2", "9" | "8.4">>;
    /** Toolstack per host: xl (default), xend's xm, or libvirt (a KVM host). */
    hypervisor?: Partial<Record<"xen1" | "xen2", SimHost["hypervisor"]>>;
  } = {},
): SimWorld {
  const halfTiB = 500 * 1024 * 1024; // KiB: each resource is half of a 1 TB disk
  const resource = (
    name: string,
    minor: number,
    primary: string | null,
    mountPoint: string | null,
  ): SimResource => ({
    name,
    minor,
    port: 7788 + minor,
    sizeKiB: halfTiB,
    protocol: "C",
    mountPoint,
    fs: mountPoint === null ? null : { type: "ext4", uuid: fsUuid(name), label: name, clean: true },
    resync: null,
    allowTwoPrimaries: false,
    linkUp: true,
    linkCut: null,
    resyncRateKiBps: DEFAULT_RESYNC_KIBPS,
    splitBrainAtSimMs: null,
    ackedKiB: 0,
    sides: Object.fromEntries(
      ["xen1", "xen2"].map((h) => [
        h,
        {
          role: h === primary ? "Primary" : "Secondary",
          disk: "UpToDate",
          connection: "Connected",
          gen: 1, // both sides hold the same data
          baseGen: null,
          oosKiB: 0,
          mounted: h === primary && mountPoint !== null,
          mountedOn: h === primary ? mountPoint : null,
          discardMyData: false,
          up: true,
          dataKiB: 0,
        },
      ]),
    ),
  });
  const table3: Array<[string, string, number]> = [
    ["lvs1", "xen1", 512],
    ["admin1", "xen1", 1024],
    ["db1", "xen1", 1024],
    ["web-ssl1", "xen1", 1024],
    ["mail1", "xen1", 1024],
    ["irc1", "xen1", 512],
    ["cron1", "xen1", 1024],
    ["lvs2", "xen2", 512],
    ["admin2", "xen2", 1024],
    ["web1", "xen2", 2048],
    ["web-ssl2", "xen2", 1024],
    ["mail2", "xen2", 1024],
    ["ftp1", "xen2", 512],
  ];
  let domId = 1;
  const vms: Record<string, SimVm> = {};
  for (const [name, host, mem] of table3) {
    const res = host === "xen1" ? "r1" : "r2";
    vms[name] = {
      name,
      host,
      state: "running",
      domId: domId++,
      memoryMiB: mem,
      maxMemoryMiB: mem,
      vcpus: 1,
      resource: res,
      disk: `file:/srv/${res}/images/${name}.img,xvda,w`,
      writeKiBps: 16, // logs and mail spools: a little, all the time
      targetMiB: mem,
      minMemoryMiB: Math.min(mem, 256),
      shutdownAtSimMs: null,
    };
  }
  const versions = (host: "xen1" | "xen2") =>
    options.drbd?.[host] === "8.4"
      ? { xen: "4.17.3", drbdKernel: "8.4.11", drbdUtils: "8.4.11" }
      : { xen: "4.17.3", drbdKernel: "9.2.8", drbdUtils: "9.22.0" };
  return {
    format: WORLD_FORMAT,
    speed: options.speed ?? 1,
    epochRealMs: options.realNowMs ?? Date.now(),
    settledAtSimMs: 0,
    nextDomId: domId,
    nextGen: 1,
    drbdAddressing: "loopback",
    events: [],
    eventSeq: 0,
    hosts: {
      xen1: {
        name: "xen1",
        address: "10.0.0.1",
        memoryMiB: 8192,
        dom0MiB: 1024,
        cpus: 4,
        hypervisor: options.hypervisor?.xen1 ?? "xen-xl",
        versions: versions("xen1"),
        vg: backingVg(),
        power: "on",
        rebootAtSimMs: null,
        mgmtUp: true,
        toolFaults: {},
      },
      xen2: {
        name: "xen2",
        address: "10.0.0.2",
        memoryMiB: 8192,
        dom0MiB: 1024,
        cpus: 4,
        hypervisor: options.hypervisor?.xen2 ?? "xen-xl",
        versions: versions("xen2"),
        vg: backingVg(),
        power: "on",
        rebootAtSimMs: null,
        mgmtUp: true,
        toolFaults: {},
      },
    },
    resources: {
      r1: resource("r1", 1, "xen1", "/srv/r1"),
      r2: resource("r2", 2, "xen2", "/srv/r2"),
      r3: resource("r3", 3, "xen1", "/srv/r3"),
      r4: resource("r4", 4, null, null),
    },
    vms,
  };
}

/** A stable ext4 UUID per resource (what mkfs.ext4 printed when the farm was built). */
function fsUuid(name: string): string {
  let h = 0x811c9dc5;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  const hex = h.toString(16).padStart(8, "0");
  return `${hex}-5a1e-4d2b-9c7e-${hex}${hex.slice(0, 4)}`;
}

/** Each host's vg0: a 2.2 TB disk with the four 500 GiB backing LVs of r1..r4 and room left for new resources. */
function backingVg(): SimHost["vg"] {
  const lv = 500 * 1024 ** 3;
  return {
    name: "vg0",
    sizeBytes: 2048 * 1024 ** 3 + 200 * 1024 ** 3,
    lvs: ["r1", "r2", "r3", "r4"].map((name) => ({ name, sizeBytes: lv })),
  };
}
