/**
 * The commands a plan's step will make the agent run, for the plan shown before anything happens. They are built
 * with the agent's own argv builders for the host's toolstack, so they read as the journal will record them; the
 * only thing the panel cannot know is the path of a Xen domain's config file (the agent finds it on the host),
 * shown as `<config of vm>`.
 */
import {
  drbdConnectArgv,
  drbdCreateMdArgv,
  drbdDisconnectArgv,
  drbdDownArgv,
  drbdNewCurrentUuidArgv,
  drbdPrimaryArgv,
  drbdSecondaryArgv,
  drbdUpArgv,
} from "../../agents/drivers/drbd/commands";
import {
  ddSparseImageArgv,
  fsckArgv,
  mkfsExt4Argv,
  mountArgv,
  umountArgv,
} from "../../agents/drivers/fs/commands";
import { lvcreate, lvremove } from "../../agents/drivers/lvm/commands";
import { destroy, memSet, shutdown } from "../../agents/drivers/xen/actions";
import * as virsh from "../../agents/drivers/libvirt/commands";
import type { PlannedStep } from "./types";

export function previewCommands(step: Omit<PlannedStep, "commands">, hypervisor: string | null): string[][] {
  const p = step.params;
  const str = (k: string) => String(p[k]);
  const num = (k: string) => Number(p[k]);
  const tool = hypervisor === "xen-xm" ? "xm" : "xl";
  const libvirt = hypervisor === "libvirt";
  switch (step.name) {
    case "promote":
      return [drbdPrimaryArgv("9", str("resource"), { force: p.force === true })];
    case "demote":
      return [drbdSecondaryArgv("9", str("resource"))];
    case "fsck":
      return [fsckArgv(str("device"))];
    case "mount":
      return [mountArgv(str("device"), str("mountPoint"))];
    case "umount":
      return [umountArgv(str("mountPoint"))];
    case "shutdown-vm":
      return [
        libvirt ? virsh.shutdown(str("vm")) : shutdown(tool, str("vm")),
        ...(p.forceOff === true ? [libvirt ? virsh.destroy(str("vm")) : destroy(tool, str("vm"))] : []),
      ];
    case "balloon":
      return [
        libvirt
          ? virsh.setmem(str("vm"), num("targetMiB") * 1024, { live: true })
          : memSet(tool, str("vm"), num("targetMiB")),
      ];
    case "start-vm": {
      const memory = p.memoryMiB === undefined ? undefined : num("memoryMiB");
      if (libvirt)
        return [
          ...(memory === undefined ? [] : [virsh.setmem(str("vm"), memory * 1024, { config: true })]),
          virsh.start(str("vm")),
        ];
      return [
        [tool, "create", `<config of ${str("vm")}>`, ...(memory === undefined ? [] : [`memory=${memory}`])],
      ];
    }
    case "check-memory":
      return [];
    case "create-lv":
      return [lvcreate(str("vg"), str("resource"), num("sizeBytes"))];
    case "create-md":
      return [drbdCreateMdArgv("9", str("resource"), { force: p.force === true })];
    case "drbd-up":
      return [drbdUpArgv("9", str("resource"))];
    case "initial-sync":
      return str("mode") === "skip"
        ? [
            drbdNewCurrentUuidArgv("9", str("resource"), { clearBitmap: true }),
            drbdPrimaryArgv("9", str("resource"), { force: false }),
          ]
        : [drbdPrimaryArgv("9", str("resource"), { force: true })];
    case "mkfs":
      return [mkfsExt4Argv(str("device"), str("resource"))];
    case "drbd-down":
      return [drbdDownArgv("9", str("resource"))];
    case "remove-lv":
      return [lvremove(str("vg"), p.lv === undefined ? str("resource") : str("lv"))];
    case "create-image":
      return [ddSparseImageArgv(str("path"), num("sizeMiB"))];
    case "define-vm":
      return libvirt ? [virsh.define(`<${str("vm")}.xml>`)] : []; // Xen: the agent writes the config file
    case "undefine-vm":
      return libvirt ? [virsh.undefine(str("vm"))] : []; // Xen: the agent renames the config file
    case "disconnect":
      return [drbdDisconnectArgv("9", str("resource"))];
    case "connect":
      return [drbdConnectArgv("9", str("resource"), { discardMyData: p.discardMyData === true })];
    case "wait-synced":
    case "register-vm":
    case "unregister-vm":
    case "write-config":
    case "remove-config":
    case "wait-connected":
    case "register":
    case "unregister":
      return []; // file operations and waits of the agent, no command
    case "fence":
      return []; // the panel runs it, with the host's configured command: plan.ts fills it in
  }
}
