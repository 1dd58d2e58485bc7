/**
 * The VM templates: what the panel previews is what the agent writes, and the hypervisor's own reader (our
 * xl.cfg and domain XML parsers, tested on real files) reads back the same VM. Refusals name their field.
 */
import { describe, expect, it } from "vitest";
import {
  macFor,
  renderLibvirtXml,
  renderXenConfig,
  ZVmDefinition,
  type TVmDefinition,
} from "../../../../agents/drivers/vm/definition";
import { parseXlCfg } from "../../../../agents/drivers/xen/parse-xl-cfg";
import { parseDomainXml } from "../../../../agents/drivers/libvirt/parse-virsh-dumpxml";
import { diskTarget } from "../../../../agents/drivers/xen/disk-target";

const web5: TVmDefinition = {
  name: "web5",
  vcpus: 2,
  memoryMiB: 512,
  maxMemoryMiB: 1024,
  disk: "/srv/r5/web5.img",
  network: { bridge: "xenbr0", mac: "00:16:3e:12:34:56" },
};

const issuesOf = (input: unknown) =>
  ZVmDefinition.safeParse(input).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ?? [];

describe("the Xen template", () => {
  it("is a PV guest whose config xl reads back as the same VM, its image as a file disk", () => {
    const text = renderXenConfig(web5, "xl");
    const cfg = parseXlCfg(text);
    expect(cfg).toMatchObject({ name: "web5", memoryMiB: 512, maxMemoryMiB: 1024, vcpus: 2 });
    expect(cfg.disks).toEqual(["file:/srv/r5/web5.img,xvda,w"]);
    expect(diskTarget(cfg.disks[0]!)).toBe("/srv/r5/web5.img");
    expect(cfg.raw).toMatchObject({ bootloader: "pygrub", vif: ["mac=00:16:3e:12:34:56,bridge=xenbr0"] });
  });

  it("gives the DRBD device itself as a phy: disk, and a VLAN as vif-openvswitch's bridge.tag", () => {
    const cfg = parseXlCfg(
      renderXenConfig(
        { ...web5, disk: "/dev/drbd5", network: { ...web5.network, bridge: "ovsbr0", vlan: 20 } },
        "xl",
      ),
    );
    expect(cfg.disks).toEqual(["phy:/dev/drbd5,xvda,w"]);
    expect(cfg.raw.vif).toEqual(["mac=00:16:3e:12:34:56,bridge=ovsbr0.20,script=vif-openvswitch"]);
  });

  it("refuses a VLAN tag for xm, whose vif scripts have none", () => {
    expect(() => renderXenConfig({ ...web5, network: { ...web5.network, vlan: 20 } }, "xm")).toThrow(
      expect.objectContaining({
        code: "VALIDATION_FAILED",
        details: expect.objectContaining({ field: "network.vlan" }),
      }),
    );
    expect(parseXlCfg(renderXenConfig(web5, "xm")).name).toBe("web5");
  });
});

describe("the libvirt template", () => {
  it("is a KVM domain libvirt's XML reads back as the same VM, with a balloon and no autostart", () => {
    const xml = parseDomainXml(renderLibvirtXml({ ...web5, disk: "/dev/drbd5" }));
    expect(xml).toMatchObject({
      name: "web5",
      type: "kvm",
      memoryKiB: 1024 * 1024,
      currentMemoryKiB: 512 * 1024,
      vcpus: 2,
      balloon: { model: "virtio", statsPeriod: 5 },
    });
    expect(xml.disks).toEqual([{ device: "disk", type: "block", source: "/dev/drbd5", target: "vda" }]);
    const file = parseDomainXml(renderLibvirtXml(web5));
    expect(file.disks[0]).toMatchObject({ type: "file", source: "/srv/r5/web5.img" });
  });

  it("tags a VLAN only on an Open vSwitch port", () => {
    expect(renderLibvirtXml(web5)).not.toContain("<vlan>");
    const tagged = renderLibvirtXml({ ...web5, network: { ...web5.network, vlan: 20 } });
    expect(tagged).toContain("<virtualport type='openvswitch'/>");
    expect(tagged).toContain("<vlan><tag id='20'/></vlan>");
  });
});

describe("a definition", () => {
  it("refuses, naming the field, whatever could break out of a config file or mislead a tool", () => {
    expect(issuesOf({ ...web5, name: "web5' ]\nbootloader = '/bin/sh" })).toEqual([
      expect.stringMatching(/^name: must be 1-63 letters/),
    ]);
    expect(issuesOf({ ...web5, name: "42" })).toEqual([
      expect.stringMatching(/^name: must not be all digits/),
    ]);
    expect(issuesOf({ ...web5, disk: "/srv/r5/a',b.img" })).toEqual([
      expect.stringMatching(/^disk: may contain only/),
    ]);
    expect(issuesOf({ ...web5, disk: "/srv/r5/../etc/x" })).toEqual([
      expect.stringMatching(/^disk: must be a normalized/),
    ]);
    expect(issuesOf({ ...web5, network: { ...web5.network, bridge: "br0,script=/tmp/x" } })).toEqual([
      expect.stringMatching(/^network.bridge: must be 1-15/),
    ]);
    expect(issuesOf({ ...web5, network: { ...web5.network, mac: "01:16:3e:12:34:56" } })).toEqual([
      "network.mac: must be a unicast address",
    ]);
    expect(issuesOf({ ...web5, network: { ...web5.network, vlan: 4095 } })).toEqual([
      "network.vlan: must be 1 to 4094",
    ]);
    expect(issuesOf({ ...web5, memoryMiB: 2048 })).toEqual([
      "memoryMiB: must not be more than the maximum memory",
    ]);
    expect(issuesOf({ ...web5, vcpus: 0 })).toEqual(["vcpus: must be at least 1"]);
    expect(issuesOf({ ...web5, autostart: true })).toEqual([expect.stringMatching(/Unrecognized key/)]);
  });

  it("gets a stable MAC address in its hypervisor vendor's range", () => {
    expect(macFor("web5", "xen")).toMatch(/^00:16:3e(:[0-9a-f]{2}){3}$/);
    expect(macFor("web5", "kvm")).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
    expect(macFor("web5", "xen")).toBe(macFor("web5", "xen"));
    expect(macFor("web5", "xen")).not.toBe(macFor("web6", "xen"));
    expect(issuesOf({ ...web5, network: { ...web5.network, mac: macFor("web5", "xen") } })).toEqual([]);
  });
});
