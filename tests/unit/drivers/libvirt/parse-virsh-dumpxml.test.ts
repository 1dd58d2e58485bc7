import { describe, expect, it } from "vitest";
import {
  domainXmlToDomainList,
  parseDomainXml,
  unitScale,
} from "../../../../agents/drivers/libvirt/parse-virsh-dumpxml";
import { ParseError } from "../../../../lib/errors/app-error";
import { listSamples, loadSample } from "../../helpers/fixtures";
import { thrownBy } from "../../../helpers/thrown";

const FILE = "libvirt_domain_xml.txt";

const parseErrorOf = (fn: () => unknown) => thrownBy(fn, ParseError);

/** A minimal domain around genuine fragments. */
function domainWith(inner: string, attrs = "type='kvm'"): string {
  return `<domain ${attrs}>\n  <name>vm1</name>\n${inner}\n</domain>\n`;
}

describe("domain XML fixtures", () => {
  it("covers every sample of the fixture file", () => {
    expect(listSamples(FILE)).toEqual(["live-kvm-veil", "memory-gib-after", "memballoon-stats-period"]);
  });

  it("live-kvm-veil: running domain with maxMemory slots, an empty cdrom and a virtio balloon", () => {
    const x = parseDomainXml(loadSample(FILE, "live-kvm-veil"));
    expect(x).toEqual({
      name: "451d9eca-98ba-4871-b3dc-c2eb66d7ad74",
      uuid: "451d9eca-98ba-4871-b3dc-c2eb66d7ad74",
      id: 1,
      type: "kvm",
      memoryKiB: 2572288,
      currentMemoryKiB: 2572288,
      maxMemoryKiB: 4049920,
      vcpus: 2,
      disks: [{ device: "cdrom", type: "file", source: null, target: "hda" }],
      balloon: { model: "virtio", statsPeriod: 1 },
    });
    expect(domainXmlToDomainList(x)).toEqual({
      domains: [
        {
          name: "451d9eca-98ba-4871-b3dc-c2eb66d7ad74",
          id: 1,
          state: "running",
          memoryKiB: 2572288,
          maxMemoryKiB: 2572288,
          vcpus: 2,
        },
      ],
    });
  });

  it("memory-gib-after: a quoted fragment is not XML; inside a domain, GiB units convert to KiB", () => {
    const sample = loadSample(FILE, "memory-gib-after");
    const err = parseErrorOf(() => parseDomainXml(sample));
    expect(err.details).toMatchObject({ tool: "virsh dumpxml", line: sample.split("\n")[0] });
    const unquoted = sample.replace(/^> ?/gm, "");
    const x = parseDomainXml(domainWith(unquoted));
    expect(x).toMatchObject({
      memoryKiB: 2097152,
      currentMemoryKiB: 1048576,
      id: null,
      vcpus: 1,
      balloon: null,
    });
    expect(domainXmlToDomainList(x).domains).toEqual([
      { name: "vm1", id: null, state: "shutoff", memoryKiB: 1048576, maxMemoryKiB: 2097152, vcpus: 1 },
    ]);
  });

  it("memballoon-stats-period: not a domain on its own; inside <devices> gives the stats period", () => {
    const sample = loadSample(FILE, "memballoon-stats-period");
    const err = parseErrorOf(() => parseDomainXml(sample));
    expect(err.message).toMatch(/<domain> root/);
    expect(err.details.line).toBe("<memballoon model='virtio'>");
    const x = parseDomainXml(domainWith(`<memory>524288</memory><devices>${sample}</devices>`));
    expect(x.balloon).toEqual({ model: "virtio", statsPeriod: 5 });
  });
});

describe("parseDomainXml", () => {
  it("reads disks of every source kind, the way domblklist does", () => {
    const x = parseDomainXml(
      domainWith(`
  <memory unit='KiB'>1048576</memory>
  <vcpu placement='static' current='2'>4</vcpu>
  <devices>
    <disk type='block' device='disk'><driver name='qemu' type='raw'/><source dev='/dev/drbd1'/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='disk'><source file='/srv/r1/images/web1.img'/><target dev='vdb' bus='virtio'/></disk>
    <disk type='volume' device='disk'><source pool='default' volume='data.qcow2'/><target dev='vdc'/></disk>
    <disk type='network' device='disk'><source protocol='rbd' name='pool/image'><host name='mon1'/></source><target dev='vdd'/></disk>
    <disk type='dir' device='floppy'><source dir='/srv/floppy'/><target dev='fda'/></disk>
    <disk type='file' device='cdrom'><target dev='hdc' bus='ide'/><readonly/></disk>
    <memballoon model='none'/>
  </devices>`),
    );
    expect(x.disks).toEqual([
      { device: "disk", type: "block", source: "/dev/drbd1", target: "vda" },
      { device: "disk", type: "file", source: "/srv/r1/images/web1.img", target: "vdb" },
      { device: "disk", type: "volume", source: "default/data.qcow2", target: "vdc" },
      { device: "disk", type: "network", source: "pool/image", target: "vdd" },
      { device: "floppy", type: "dir", source: "/srv/floppy", target: "fda" },
      { device: "cdrom", type: "file", source: null, target: "hdc" },
    ]);
    expect(x).toMatchObject({ vcpus: 4, currentVcpus: 2, balloon: { model: "none" } });
    expect(domainXmlToDomainList(x).domains[0]?.vcpus).toBe(2);
  });

  it("reads a Xen domain with an XML declaration, a single disk and no memballoon", () => {
    const x = parseDomainXml(
      `<?xml version="1.0"?>\n${domainWith(
        `<memory>2097152</memory><currentMemory>1048576</currentMemory><vcpu>1</vcpu>
        <devices><disk type='block' device='disk'><driver name='phy'/><source dev='/dev/drbd2'/><target dev='xvda' bus='xen'/></disk></devices>`,
        "type='xen' id='12'",
      )}`,
    );
    expect(x).toEqual({
      name: "vm1",
      id: 12,
      type: "xen",
      memoryKiB: 2097152,
      currentMemoryKiB: 1048576,
      vcpus: 1,
      disks: [{ device: "disk", type: "block", source: "/dev/drbd2", target: "xvda" }],
      balloon: null,
    });
  });

  it.each([
    [undefined, "1", 1],
    ["KiB", "1", 1],
    ["k", "3", 3],
    ["K", "3", 3],
    ["b", "1024", 1],
    ["bytes", "1025", 2], // rounded up to whole KiB, as libvirt does
    ["KB", "1000", 977],
    ["M", "1", 1024],
    ["MiB", "512", 524288],
    ["MB", "1", 977],
    ["G", "2", 2097152],
    ["GiB", "1", 1048576],
    ["gib", "1", 1048576],
    ["GB", "1", 976563],
    ["TiB", "1", 1073741824],
  ])("converts unit %s (%s) to KiB", (unit, value, kib) => {
    const attr = unit === undefined ? "" : ` unit='${unit}'`;
    expect(parseDomainXml(domainWith(`<memory${attr}>${value}</memory>`)).memoryKiB).toBe(kib);
  });

  it("unitScale follows virScaleInteger", () => {
    expect(unitScale(undefined)).toBe(1024n);
    expect(unitScale("E")).toBe(1024n ** 6n);
    expect(unitScale("PB")).toBe(1000n ** 5n);
    expect(unitScale("KiBB")).toBeUndefined();
    expect(unitScale("x")).toBeUndefined();
  });

  it("reads a saved definition that starts with libvirt's warning comment", () => {
    const text = `<!--\nWARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\nOVERWRITTEN AND LOST.\n-->\n\n${domainWith("<memory unit='MiB'>512</memory>")}`;
    expect(parseDomainXml(text)).toMatchObject({ name: "vm1", memoryKiB: 524288, id: null });
  });

  it("tolerates unknown elements and attributes", () => {
    const x = parseDomainXml(
      domainWith(
        `<memory unit='KiB' dumpCore='off'>1024</memory><futureElement a='b'><deep/></futureElement>`,
        "type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'",
      ),
    );
    expect(x.memoryKiB).toBe(1024);
  });

  it("throws ParseError naming the offending line or element", () => {
    const unit = parseErrorOf(() => parseDomainXml(domainWith("<memory unit='XB'>1</memory>")));
    expect(unit.details).toMatchObject({ tool: "virsh dumpxml", line: "<memory unit='XB'>1</memory>" });
    const value = parseErrorOf(() => parseDomainXml(domainWith("<memory>lots</memory>")));
    expect(value.details.line).toBe("<memory>lots</memory>");
    const broken = parseErrorOf(() => parseDomainXml("<domain type='kvm'>\n  <name>vm1\n</domain>\n"));
    expect(broken.details.line).toBe("</domain>");
    const id = parseErrorOf(() => parseDomainXml(domainWith("<memory>1</memory>", "type='kvm' id='x'")));
    expect(id.details.line).toBe("<domain id='x'>");
    expect(() => parseDomainXml(domainWith("<currentMemory>1</currentMemory>"))).toThrow(/no <memory>/);
    expect(() => parseDomainXml(domainWith("<memory>1</memory>", "id='1'"))).toThrow(/no type attribute/);
    expect(() => parseDomainXml(domainWith("<memory>1</memory><memory>2</memory>"))).toThrow(/more than one/);
    expect(() => parseDomainXml("<domain type='kvm'><memory>1</memory></domain>")).toThrow(/no <name>/);
    expect(() => parseDomainXml("")).toThrow(/empty output/);
    expect(parseErrorOf(() => parseDomainXml("error: failed to get domain 'x'\n")).details.line).toBe(
      "error: failed to get domain 'x'",
    );
    expect(() => parseDomainXml("<network><name>default</name></network>")).toThrow(/<domain> root/);
  });
});
