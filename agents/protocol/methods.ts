import { z } from "zod";
import { ZDrbdStatus, ZHeartbeat, ZHello, ZHostFacts, ZVmList } from "./schemas";
import { ZDevicePath, ZMemoryMiB, ZName } from "./validation";
import { ZVmDefinition } from "../drivers/vm/definition";

export const PROTOCOL_VERSION = 1;

/** One agent method: declared once, imported by agent and panel alike. */
export interface MethodDef<P extends z.ZodType, R extends z.ZodType> {
  name: string;
  params: P;
  result: R;
  /** Deadline for one call, in ms, enforced by the panel's client. */
  timeoutMs: number;
  /** True when the method changes host state (never retried blindly). */
  mutates: boolean;
  description: string;
}

function defineMethod<P extends z.ZodType, R extends z.ZodType>(def: MethodDef<P, R>): MethodDef<P, R> {
  return def;
}

const ZNoParams = z.object({}).strict();

// Timeouts: URGENT 5 s (cheap reads); NORMAL 15 s (reads that run several tools).
const TMO_URGENT = 5_000;
const TMO_NORMAL = 15_000;
// SLOW 120 s: state changes that wait on the kernel or the disk (promote, mount, create a VM).
const TMO_SLOW = 120_000;
// VERY SLOW 1 h: fsck and mkfs of a large filesystem.
const TMO_VERY_SLOW = 3_600_000;

const ZResource = z.object({ resource: ZName }).strict();
const ZVmName = z.object({ name: ZName }).strict();
const ZOk = z.object({ ok: z.literal(true) });
const ZCommandOutput = z.object({ ok: z.literal(true), output: z.string() });

/** A DRBD action that takes only the resource and changes state. */
function drbdAction(name: string, description: string) {
  return defineMethod({
    name,
    params: ZResource,
    result: ZOk,
    timeoutMs: TMO_SLOW,
    mutates: true,
    description,
  });
}
function vmAction(name: string, description: string) {
  return defineMethod({
    name,
    params: ZVmName,
    result: ZOk,
    timeoutMs: TMO_SLOW,
    mutates: true,
    description,
  });
}

export const METHODS = {
  "agent.hello": defineMethod({
    name: "agent.hello",
    params: z.object({ protocolVersion: z.number().int() }).strict(),
    result: ZHello,
    timeoutMs: TMO_URGENT,
    mutates: false,
    description: "Handshake: agent version, protocol version and capabilities.",
  }),
  "host.facts": defineMethod({
    name: "host.facts",
    params: ZNoParams,
    result: ZHostFacts,
    timeoutMs: TMO_NORMAL,
    mutates: false,
    description: "Hostname, hypervisor kind, memory total/free in KiB, cpus, tool versions.",
  }),
  "drbd.status": defineMethod({
    name: "drbd.status",
    params: ZNoParams,
    result: ZDrbdStatus,
    timeoutMs: TMO_NORMAL,
    mutates: false,
    description: "Every DRBD resource on the host: role, disks, connections, replication and sync progress.",
  }),
  "vm.list": defineMethod({
    name: "vm.list",
    params: ZNoParams,
    result: ZVmList,
    timeoutMs: TMO_NORMAL,
    mutates: false,
    description: "Every VM the hypervisor knows (running or defined), with state and memory.",
  }),
  "drbd.version": defineMethod({
    name: "drbd.version",
    params: ZNoParams,
    result: z.object({
      utils: z.string(),
      kernel: z.string().nullable(),
      syntax: z.enum(["8.3", "8.4", "9"]),
      /** Where drbd.status reads the state: events2 (drbd-utils 9) or /proc/drbd (utils 8.3/8.4). */
      statusSource: z.enum(["events2", "proc-drbd"]),
    }),
    timeoutMs: TMO_URGENT,
    mutates: false,
    description:
      "drbd-utils and kernel module versions, the command syntax they take, and where the state is read.",
  }),
  "drbd.up": drbdAction("drbd.up", "drbdadm up: attach the backing disk and connect."),
  "drbd.down": drbdAction(
    "drbd.down",
    "drbdadm down: disconnect and detach (refused while the device is in use).",
  ),
  "drbd.adjust": drbdAction(
    "drbd.adjust",
    "drbdadm adjust: apply the resource file to the running resource.",
  ),
  "drbd.secondary": drbdAction(
    "drbd.secondary",
    "drbdadm secondary: demote (refused while mounted or used by a VM).",
  ),
  "drbd.disconnect": drbdAction("drbd.disconnect", "drbdadm disconnect: stop replicating (StandAlone)."),
  "drbd.invalidate": drbdAction(
    "drbd.invalidate",
    "drbdadm invalidate: discard this side's data and resync it from the peer.",
  ),
  "drbd.primary": defineMethod({
    name: "drbd.primary",
    params: z.object({ resource: ZName, force: z.boolean().default(false) }).strict(),
    result: ZOk,
    timeoutMs: TMO_SLOW,
    mutates: true,
    description: "drbdadm primary [--force]: promote; --force only when the caller says so.",
  }),
  "drbd.connect": defineMethod({
    name: "drbd.connect",
    params: z.object({ resource: ZName, discardMyData: z.boolean().default(false) }).strict(),
    result: ZOk,
    timeoutMs: TMO_SLOW,
    mutates: true,
    description:
      "drbdadm connect [--discard-my-data]: reconnect; discarding this side's changes only when asked.",
  }),
  "drbd.createMd": defineMethod({
    name: "drbd.createMd",
    params: z.object({ resource: ZName, force: z.boolean().default(false) }).strict(),
    result: ZCommandOutput,
    timeoutMs: TMO_SLOW,
    mutates: true,
    description: "drbdadm create-md: write DRBD metadata on the backing device.",
  }),
  "drbd.newCurrentUuid": defineMethod({
    name: "drbd.newCurrentUuid",
    params: z.object({ resource: ZName, clearBitmap: z.literal(true) }).strict(),
    result: ZOk,
    timeoutMs: TMO_SLOW,
    mutates: true,
    description:
      "drbdadm new-current-uuid --clear-bitmap: skip the initial sync of a new resource (both disks new).",
  }),
  "drbd.readConfig": defineMethod({
    name: "drbd.readConfig",
    params: ZResource,
    result: z.object({ path: z.string(), content: z.string() }),
    timeoutMs: TMO_URGENT,
    mutates: false,
    description: "The resource file /etc/drbd.d/<resource>.res.",
  }),
  "drbd.validateConfig": defineMethod({
    name: "drbd.validateConfig",
    params: z.object({ resource: ZName, content: z.string().max(256 * 1024) }).strict(),
    result: z.object({ dump: z.string() }),
    timeoutMs: TMO_NORMAL,
    mutates: false,
    description: "Checks a resource file with `drbdadm -c <file> dump` without installing it.",
  }),
  "drbd.configured": defineMethod({
    name: "drbd.configured",
    params: ZNoParams,
    result: z.object({
      resources: z.array(
        z.object({
          name: z.string(),
          source: z.string().nullable(),
          protocol: z.string().nullable(),
          hosts: z.array(
            z.object({
              name: z.string(),
              volumes: z.array(
                z.object({
                  volume: z.number().int(),
                  minor: z.number().int().nullable(),
                  disk: z.string().nullable(),
                }),
              ),
              address: z.string().nullable(),
              port: z.number().int().nullable(),
            }),
          ),
        }),
      ),
    }),
    timeoutMs: TMO_NORMAL,
    mutates: false,
    description:
      "Every resource of the host's DRBD configuration (`drbdadm dump-xml`): hosts, minors, disks, addresses, ports.",
  }),
  "drbd.removeConfig": defineMethod({
    name: "drbd.removeConfig",
    params: ZResource,
    result: z.object({ removed: z.boolean(), keptAs: z.string().nullable() }),
    timeoutMs: TMO_NORMAL,
    mutates: true,
    description:
      "Takes the resource file out of the configuration (renamed to <resource>.res.removed); refused while the resource is up.",
  }),
  "host.addresses": defineMethod({
    name: "host.addresses",
    params: ZNoParams,
    result: z.object({
      addresses: z.array(
        z.object({
          interface: z.string(),
          address: z.string(),
          prefixLength: z.number().int(),
          scope: z.string(),
          up: z.boolean(),
        }),
      ),
    }),
    timeoutMs: TMO_NORMAL,
    mutates: false,
    description: "The host's IPv4 addresses (`ip -json -4 addr show`), for DRBD replication.",
  }),
  "drbd.writeConfig": defineMethod({
    name: "drbd.writeConfig",
    params: z.object({ resource: ZName, content: z.string().max(256 * 1024) }).strict(),
    result: z.object({ path: z.string(), previousPath: z.string().nullable() }),
    timeoutMs: TMO_NORMAL,
    mutates: true,
    description:
      "Validates, then atomically writes the resource file, keeping the previous one as .res.prev.",
  }),
  "vm.start": defineMethod({
    name: "vm.start",
    params: z.object({ name: ZName, memoryMiB: ZMemoryMiB.optional() }).strict(),
    result: ZOk,
    timeoutMs: TMO_SLOW,
    mutates: true,
    description:
      "Start a defined VM (xl/xm create <cfg> [memory=N], virsh setmem --config + start), with memoryMiB instead of its configured memory when given.",
  }),
  "vm.shutdown": vmAction("vm.shutdown", "Ask a VM's OS to shut down (xl/xm shutdown, virsh shutdown)."),
  "vm.destroy": vmAction(
    "vm.destroy",
    "Stop a VM at once, like pulling its power (xl/xm destroy, virsh destroy).",
  ),
  "vm.setMemory": defineMethod({
    name: "vm.setMemory",
    params: z.object({ name: ZName, memoryMiB: ZMemoryMiB }).strict(),
    result: ZOk,
    timeoutMs: TMO_SLOW,
    mutates: true,
    description: "Balloon a running VM to memoryMiB (xl/xm mem-set, virsh setmem --live).",
  }),
  "vm.setMaxMemory": defineMethod({
    name: "vm.setMaxMemory",
    params: z.object({ name: ZName, memoryMiB: ZMemoryMiB }).strict(),
    result: ZOk,
    timeoutMs: TMO_SLOW,
    mutates: true,
    description: "Set a VM's maximum memory (xl/xm mem-max, virsh setmaxmem --config).",
  }),
  "vm.define": defineMethod({
    name: "vm.define",
    params: z.object({ definition: ZVmDefinition }).strict(),
    result: z.object({ path: z.string().nullable(), config: z.string() }),
    timeoutMs: TMO_SLOW,
    mutates: true,
    description:
      "Define a VM from the farm's template (agents/drivers/vm/definition.ts): xl/xm config file <xen-config-dir>/<name>.cfg, or `virsh define` of the domain XML; refused when a VM of that name is already defined here.",
  }),
  "vm.undefine": vmAction(
    "vm.undefine",
    "Remove a VM's definition (its config file is kept as <name>.cfg.removed; `virsh undefine`); refused while it runs here. Its disk is not touched.",
  ),
  "lvm.listVolumes": defineMethod({
    name: "lvm.listVolumes",
    params: z.object({ vg: ZName.optional() }).strict(),
    result: z.object({
      volumes: z.array(z.object({ vg: z.string(), lv: z.string(), sizeBytes: z.number() })),
    }),
    timeoutMs: TMO_NORMAL,
    mutates: false,
    description: "Logical volumes (lvs --reportformat json).",
  }),
  "lvm.listGroups": defineMethod({
    name: "lvm.listGroups",
    params: ZNoParams,
    result: z.object({
      groups: z.array(z.object({ vg: z.string(), sizeBytes: z.number(), freeBytes: z.number() })),
    }),
    timeoutMs: TMO_NORMAL,
    mutates: false,
    description: "Volume groups with size and free space (vgs --reportformat json).",
  }),
  "lvm.createVolume": defineMethod({
    name: "lvm.createVolume",
    params: z
      .object({
        vg: ZName,
        name: ZName,
        sizeBytes: z
          .number()
          .int()
          .min(4 * 1024 * 1024)
          .max(2 ** 53 - 1),
      })
      .strict(),
    result: ZOk,
    timeoutMs: TMO_SLOW,
    mutates: true,
    description: "lvcreate a logical volume of sizeBytes (rounded up to an extent by LVM).",
  }),
  "lvm.removeVolume": defineMethod({
    name: "lvm.removeVolume",
    params: z.object({ vg: ZName, name: ZName }).strict(),
    result: ZOk,
    timeoutMs: TMO_SLOW,
    mutates: true,
    description: "lvremove a logical volume.",
  }),
  "fs.blkid": defineMethod({
    name: "fs.blkid",
    params: z.object({ device: ZDevicePath }).strict(),
    result: z.object({
      type: z.string().nullable(),
      uuid: z.string().nullable(),
      label: z.string().nullable(),
    }),
    timeoutMs: TMO_NORMAL,
    mutates: false,
    description: "The filesystem signature on a device (type null when there is none).",
  }),
  "fs.fsck": defineMethod({
    name: "fs.fsck",
    params: z.object({ device: ZDevicePath }).strict(),
    result: z.object({ exitCode: z.number().int(), clean: z.boolean(), output: z.string() }),
    timeoutMs: TMO_VERY_SLOW,
    mutates: true,
    description:
      "fsck -p: repair what is safe to repair; clean is false when a human must look (exit 4 and above).",
  }),
  "fs.mount": defineMethod({
    name: "fs.mount",
    params: z
      .object({
        device: ZDevicePath,
        mountPoint: ZDevicePath,
        fsType: z.enum(["ext3", "ext4", "xfs"]).optional(),
      })
      .strict(),
    result: ZOk,
    timeoutMs: TMO_SLOW,
    mutates: true,
    description: "Mount a device on a mount point.",
  }),
  "fs.umount": defineMethod({
    name: "fs.umount",
    params: z.object({ mountPoint: ZDevicePath }).strict(),
    result: ZOk,
    timeoutMs: TMO_SLOW,
    mutates: true,
    description: "Unmount a mount point.",
  }),
  "fs.mkfsExt4": defineMethod({
    name: "fs.mkfsExt4",
    params: z.object({ device: ZDevicePath, label: ZName.optional() }).strict(),
    result: ZOk,
    timeoutMs: TMO_VERY_SLOW,
    mutates: true,
    description: "Make an ext4 filesystem (refused by mke2fs on a mounted device).",
  }),
  "fs.createImage": defineMethod({
    name: "fs.createImage",
    params: z
      .object({
        path: ZDevicePath,
        sizeMiB: z
          .number()
          .int()
          .min(1)
          .max(64 * 1024 * 1024),
      })
      .strict(),
    result: ZOk,
    timeoutMs: TMO_SLOW,
    mutates: true,
    description:
      "Create a sparse disk image file (dd conv=excl: never over an existing file), only in the top directory of a mounted DRBD device.",
  }),
  "host.bridges": defineMethod({
    name: "host.bridges",
    params: ZNoParams,
    result: z.object({
      bridges: z.array(
        z.object({ name: z.string(), kind: z.enum(["bridge", "openvswitch"]), up: z.boolean() }),
      ),
    }),
    timeoutMs: TMO_NORMAL,
    mutates: false,
    description: "The host's Linux and Open vSwitch bridges (`ip -json -d link show`), for a VM's network.",
  }),
  "fs.isMounted": defineMethod({
    name: "fs.isMounted",
    params: z.object({ mountPoint: ZDevicePath }).strict(),
    result: z.object({ mounted: z.boolean(), device: z.string().nullable(), fsType: z.string().nullable() }),
    timeoutMs: TMO_URGENT,
    mutates: false,
    description: "Whether something is mounted there, from /proc/mounts.",
  }),
} as const;

export type MethodName = keyof typeof METHODS;
export type ParamsOf<M extends MethodName> = z.input<(typeof METHODS)[M]["params"]>;
export type ResultOf<M extends MethodName> = z.output<(typeof METHODS)[M]["result"]>;

export const NOTIFICATIONS = {
  /** Pushed when any DRBD resource changed; carries the full new status (small: a handful of resources). */
  "drbd.changed": ZDrbdStatus,
  /** Pushed when any VM changed state or memory; carries the full new list. */
  "vm.changed": ZVmList,
  /** Pushed every heartbeat interval (2 s by default): the agent is alive, and how its own probes fare. */
  "agent.heartbeat": ZHeartbeat,
} as const;
export type NotificationName = keyof typeof NOTIFICATIONS;
export type NotificationParams<N extends NotificationName> = z.output<(typeof NOTIFICATIONS)[N]>;

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(METHODS, name);
}
export function isNotificationName(name: string): name is NotificationName {
  return Object.prototype.hasOwnProperty.call(NOTIFICATIONS, name);
}
