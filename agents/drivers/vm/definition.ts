/**
 * A VM placed on a DRBD resource, as one validated definition rendered into the hypervisor's own format: an
 * xl.cfg/xm config file (Xen) or a libvirt domain XML (KVM). The panel renders it to show the file before
 * anything is written; the agent renders it again from the same validated fields, so what it writes is exactly
 * what was shown and no free text reaches a file.
 *
 * The templates are the farm's: a Xen PV guest booted by pygrub (farm-design.md), a KVM guest with virtio
 * disk and network. The disk is the resource's DRBD device itself (raw block, `/dev/drbdN`) or an image file on
 * the resource's filesystem. Hypervisor autostart is never set: after a host reboots, its side of the resource
 * may be Secondary or stale, and only the panel's runbooks know where the VM may start.
 *
 * A VLAN tag needs an Open vSwitch bridge: libvirt supports <vlan> on Open vSwitch ports only, and Xen's
 * vif-openvswitch script reads the tag from "bridge=<bridge>.<tag>". On a Linux bridge, use the VLAN's own
 * bridge instead. xend's (xm) vif scripts have no VLAN support at all.
 */
import { z } from "zod";
import { AppError } from "../../protocol/errors";
import { ZDevicePath, ZMemoryMiB, ZName } from "../../protocol/validation";

/** A Linux network interface name (IFNAMSIZ: at most 15 characters). */
export const ZInterfaceName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/,
    "must be 1-15 letters, digits or _ . - (a Linux interface name)",
  );

/** A unicast, locally assigned or vendor MAC address in lower case. */
export const ZMac = z
  .string()
  .regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/, "must be a MAC address like 00:16:3e:12:34:56")
  .refine((m) => (parseInt(m.slice(0, 2), 16) & 1) === 0, "must be a unicast address");

export const ZVmDefinition = z
  .object({
    name: ZName.refine(
      (n) => !/^\d+$/.test(n),
      "must not be all digits (virsh would read it as a domain id)",
    ),
    vcpus: z.number().int().min(1, "must be at least 1").max(128, "must be at most 128"),
    memoryMiB: ZMemoryMiB,
    maxMemoryMiB: ZMemoryMiB,
    /** /dev/drbdN (raw block device) or an image file on the resource's filesystem. */
    disk: ZDevicePath,
    network: z
      .object({
        bridge: ZInterfaceName,
        vlan: z.number().int().min(1, "must be 1 to 4094").max(4094, "must be 1 to 4094").optional(),
        mac: ZMac,
      })
      .strict(),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.memoryMiB > d.maxMemoryMiB)
      ctx.addIssue({
        code: "custom",
        path: ["memoryMiB"],
        message: "must not be more than the maximum memory",
      });
  });
export type TVmDefinition = z.infer<typeof ZVmDefinition>;

/** The disk is a block device (the DRBD device), not a file. */
export function isBlockDisk(disk: string): boolean {
  return disk.startsWith("/dev/");
}

/** An xl.cfg (xl) or xend config (xm) for a PV guest booted by pygrub; both read the same syntax. */
export function renderXenConfig(input: TVmDefinition, tool: "xl" | "xm"): string {
  const d = ZVmDefinition.parse(input);
  if (tool === "xm" && d.network.vlan !== undefined)
    throw new AppError(
      "VALIDATION_FAILED",
      "xm: xend's vif scripts take no VLAN tag (use a bridge on the VLAN)",
      {
        details: { field: "network.vlan", rule: "not with xm" },
      },
    );
  const vif =
    d.network.vlan === undefined
      ? `mac=${d.network.mac},bridge=${d.network.bridge}`
      : `mac=${d.network.mac},bridge=${d.network.bridge}.${d.network.vlan},script=vif-openvswitch`;
  const disk = `${isBlockDisk(d.disk) ? "phy" : "file"}:${d.disk},xvda,w`;
  return [
    `# Written by Tandem: ${d.name}, a Xen PV guest. Started by the panel on the Primary of its resource only.`,
    `name = "${d.name}"`,
    `memory = ${d.memoryMiB}`,
    `maxmem = ${d.maxMemoryMiB}`,
    `vcpus = ${d.vcpus}`,
    `bootloader = "pygrub"`,
    `on_poweroff = "destroy"`,
    `on_reboot = "restart"`,
    `on_crash = "restart"`,
    `vif = [ '${vif}' ]`,
    `disk = [ '${disk}' ]`,
    "",
  ].join("\n");
}

/** A libvirt KVM domain with a virtio disk (raw, no host cache) and a virtio network interface. */
export function renderLibvirtXml(input: TVmDefinition): string {
  const d = ZVmDefinition.parse(input);
  const disk = isBlockDisk(d.disk)
    ? [
        `    <disk type='block' device='disk'>`,
        `      <driver name='qemu' type='raw' cache='none' io='native'/>`,
        `      <source dev='${d.disk}'/>`,
      ]
    : [
        `    <disk type='file' device='disk'>`,
        `      <driver name='qemu' type='raw' cache='none'/>`,
        `      <source file='${d.disk}'/>`,
      ];
  const ovs = d.network.vlan !== undefined;
  return [
    `<!-- Written by Tandem: ${d.name}. Started by the panel on the Primary of its resource only (no autostart). -->`,
    `<domain type='kvm'>`,
    `  <name>${d.name}</name>`,
    `  <memory unit='MiB'>${d.maxMemoryMiB}</memory>`,
    `  <currentMemory unit='MiB'>${d.memoryMiB}</currentMemory>`,
    `  <vcpu placement='static'>${d.vcpus}</vcpu>`,
    `  <os>`,
    `    <type arch='x86_64' machine='pc'>hvm</type>`,
    `    <boot dev='hd'/>`,
    `  </os>`,
    `  <features><acpi/><apic/></features>`,
    `  <on_poweroff>destroy</on_poweroff>`,
    `  <on_reboot>restart</on_reboot>`,
    `  <on_crash>destroy</on_crash>`,
    `  <devices>`,
    ...disk,
    `      <target dev='vda' bus='virtio'/>`,
    `    </disk>`,
    `    <interface type='bridge'>`,
    `      <mac address='${d.network.mac}'/>`,
    `      <source bridge='${d.network.bridge}'/>`,
    ...(ovs
      ? [`      <virtualport type='openvswitch'/>`, `      <vlan><tag id='${d.network.vlan}'/></vlan>`]
      : []),
    `      <model type='virtio'/>`,
    `    </interface>`,
    `    <serial type='pty'><target port='0'/></serial>`,
    `    <console type='pty'><target type='serial' port='0'/></console>`,
    `    <memballoon model='virtio'><stats period='5'/></memballoon>`,
    `  </devices>`,
    `</domain>`,
    "",
  ].join("\n");
}

/**
 * A stable MAC address for a VM name, in the hypervisor vendor's range (Xen 00:16:3e, QEMU/KVM 52:54:00), so a
 * dry run and the definition it previews agree and a VM keeps its address when redefined.
 */
export function macFor(name: string, hypervisor: "xen" | "kvm"): string {
  let h = 0x811c9dc5;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  const tail = [(h >>> 16) & 0x7f, (h >>> 8) & 0xff, h & 0xff].map((b) => b.toString(16).padStart(2, "0"));
  return [...(hypervisor === "xen" ? ["00", "16", "3e"] : ["52", "54", "00"]), ...tail].join(":");
}
