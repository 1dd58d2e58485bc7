import { XMLParser, XMLValidator } from "fast-xml-parser";
import { ParseError } from "../../../lib/errors/app-error";
import type { TDomainList } from "../../parsers/shapes";

/*
 * `virsh dumpxml <domain>` prints the domain XML (https://libvirt.org/formatdomain.html). What we read:
 *
 *   <domain type='kvm' id='1'>                          id only while the domain runs
 *     <name>vm1</name>
 *     <uuid>451d9eca-98ba-4871-b3dc-c2eb66d7ad74</uuid>
 *     <maxMemory slots='16' unit='KiB'>4049920</maxMemory>   memory hotplug limit (optional)
 *     <memory unit='KiB'>2572288</memory>               maximum allocation at boot
 *     <currentMemory unit='KiB'>2572288</currentMemory> balloon target (defaults to <memory>)
 *     <vcpu placement='static' current='1'>2</vcpu>     maximum vCPUs; current= the online ones
 *     <devices>
 *       <disk type='block' device='disk'>
 *         <source dev='/dev/drbd1'/>                     file= / dev= / dir= / name= / pool+volume= / path=
 *         <target dev='vda' bus='virtio'/>
 *       </disk>
 *       <memballoon model='virtio'><stats period='5'/></memballoon>
 *     </devices>
 *   </domain>
 *
 * Memory values are scaled by the unit attribute as libvirt does (src/util/virutil.c virScaleInteger):
 * no unit = KiB; "b"/"byte"/"bytes"; one letter or "<letter>iB" (k, KiB, M, MiB, G, GiB, T, P, E) is a
 * power of 1024; "<letter>B" (KB, MB, GB, ...) a power of 1000; case-insensitive. The byte count is
 * rounded up to whole KiB (src/conf/domain_conf.c virDomainParseMemory). Everything else is ignored.
 */

const TOOL = "virsh dumpxml";

export interface DomainXmlDisk {
  /** disk, cdrom, floppy, lun (libvirt's default: disk). */
  device: string;
  /** file, block, dir, network, volume, nvme, vhostuser (libvirt's default: file). */
  type: string;
  /** The backing path or name; "pool/volume" for type='volume'; null for an empty drive (no <source>). */
  source: string | null;
  /** The guest device name (<target dev=>), e.g. vda, hda, xvda. */
  target: string | null;
}

export interface DomainXml {
  name: string;
  uuid?: string;
  /** Hypervisor domain id; null when the XML has none (the domain is not running). */
  id: number | null;
  /** The domain type attribute: kvm, qemu, xen, lxc, ... */
  type: string;
  /** <memory>: the maximum allocation at boot, in KiB. */
  memoryKiB: number;
  /** <currentMemory>: the balloon target in KiB (equal to memoryKiB when the element is absent). */
  currentMemoryKiB: number;
  /** <maxMemory>: the memory hotplug limit in KiB, when configured. */
  maxMemoryKiB?: number;
  /** <vcpu>: the maximum number of vCPUs (libvirt's default when absent: 1). */
  vcpus: number;
  /** <vcpu current=>: the vCPUs online at boot, when fewer than the maximum. */
  currentVcpus?: number;
  disks: DomainXmlDisk[];
  /** <memballoon>, or null when the element is absent; model "none" means no balloon device. */
  balloon: { model: string; statsPeriod?: number } | null;
}

type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name, _path, _isLeaf, isAttribute) => !isAttribute && name === "disk",
});

export function parseDomainXml(text: string): DomainXml {
  const firstLine = text.split(/\r?\n/).find((l) => l.trim() !== "");
  if (firstLine === undefined) throw new ParseError(TOOL, "empty output");
  if (!firstLine.trimStart().startsWith("<")) throw new ParseError(TOOL, "not XML", firstLine);
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const line = text.split(/\r?\n/)[valid.err.line - 1] ?? firstLine;
    throw new ParseError(TOOL, `not well-formed XML (line ${valid.err.line}: ${valid.err.msg})`, line);
  }
  const doc = parser.parse(text) as unknown;
  const roots = isNode(doc) ? Object.keys(doc).filter((k) => !k.startsWith("?")) : [];
  const domain = isNode(doc) ? doc.domain : undefined;
  if (roots.length !== 1 || !isNode(domain)) {
    throw new ParseError(TOOL, `expected one <domain> root element, found <${roots.join("> <")}>`, firstLine);
  }

  const type = attr(domain, "type");
  if (type === undefined || type === "")
    throw new ParseError(TOOL, "<domain> has no type attribute", firstLine);
  const idText = attr(domain, "id");
  if (idText !== undefined && !/^(?:\d+|-1)$/.test(idText)) {
    throw new ParseError(TOOL, "<domain> id is not a number", `<domain id='${idText}'>`);
  }
  const name = text1(domain, "name");
  if (name === undefined || name === "") throw new ParseError(TOOL, "no <name> element");
  const uuid = text1(domain, "uuid");

  const memoryKiB = memory(domain, "memory");
  if (memoryKiB === undefined) throw new ParseError(TOOL, "no <memory> element");
  const currentMemoryKiB = memory(domain, "currentMemory") ?? memoryKiB;
  const maxMemoryKiB = memory(domain, "maxMemory");

  const vcpu = one(domain, "vcpu");
  const vcpus = vcpu === undefined ? 1 : count(textOf(vcpu), "<vcpu>");
  const currentText = vcpu === undefined ? undefined : attr(vcpu, "current");
  const devices = one(domain, "devices");

  const out: DomainXml = {
    name,
    id: idText === undefined || idText === "-1" ? null : Number(idText),
    type,
    memoryKiB,
    currentMemoryKiB,
    vcpus,
    disks: isNode(devices) ? diskList(devices) : [],
    balloon: isNode(devices) ? balloon(devices) : null,
  };
  if (uuid !== undefined && uuid !== "") out.uuid = uuid;
  if (maxMemoryKiB !== undefined) out.maxMemoryKiB = maxMemoryKiB;
  if (currentText !== undefined) out.currentVcpus = count(currentText, "<vcpu current>");
  return out;
}

/**
 * The TDomainList view. Domain XML carries no run state: a domain with an id is reported "running"
 * (it may in fact be paused or shutting down; ask `virsh domstate` or `virsh list` for the state),
 * one without is "shutoff". memoryKiB is <currentMemory>, maxMemoryKiB <memory>, vcpus the online ones.
 */
export function domainXmlToDomainList(x: DomainXml): TDomainList {
  return {
    domains: [
      {
        name: x.name,
        id: x.id,
        state: x.id === null ? "shutoff" : "running",
        memoryKiB: x.currentMemoryKiB,
        maxMemoryKiB: x.memoryKiB,
        vcpus: x.currentVcpus ?? x.vcpus,
      },
    ],
  };
}

function diskList(devices: XmlNode): DomainXmlDisk[] {
  const disks = devices.disk;
  if (disks === undefined) return [];
  if (!Array.isArray(disks)) throw new ParseError(TOOL, "unexpected <disk> element");
  return disks.map((disk: unknown): DomainXmlDisk => {
    if (!isNode(disk)) return { device: "disk", type: "file", source: null, target: null };
    const type = attr(disk, "type") ?? "file";
    const source = one(disk, "source");
    const target = one(disk, "target");
    return {
      device: attr(disk, "device") ?? "disk",
      type,
      source: source === undefined ? null : diskSource(type, source),
      target: (target === undefined ? undefined : attr(target, "dev")) ?? null,
    };
  });
}

/** As `virsh domblklist` reads it (source/@file|@dev|@dir|@name|@volume|@path), with the pool for volumes. */
function diskSource(type: string, source: unknown): string | null {
  if (type === "volume") {
    const pool = attr(source, "pool");
    const volume = attr(source, "volume");
    if (volume !== undefined) return pool === undefined ? volume : `${pool}/${volume}`;
  }
  for (const key of ["file", "dev", "dir", "name", "volume", "path"]) {
    const value = attr(source, key);
    if (value !== undefined) return value;
  }
  return null;
}

function balloon(devices: XmlNode): DomainXml["balloon"] {
  const node = one(devices, "memballoon");
  if (node === undefined) return null;
  const model = attr(node, "model");
  if (model === undefined || model === "") throw new ParseError(TOOL, "<memballoon> has no model attribute");
  const stats = isNode(node) ? one(node, "stats") : undefined;
  const period = stats === undefined ? undefined : attr(stats, "period");
  return period === undefined ? { model } : { model, statsPeriod: count(period, "<stats period>") };
}

/** <name unit=...>value</name> in KiB, or undefined when the element is absent. */
function memory(parent: XmlNode, name: string): number | undefined {
  const node = one(parent, name);
  if (node === undefined) return undefined;
  const value = textOf(node).trim();
  const unit = attr(node, "unit");
  const line = `<${name}${unit === undefined ? "" : ` unit='${unit}'`}>${value}</${name}>`;
  if (!/^\d+$/.test(value)) throw new ParseError(TOOL, `<${name}> is not a whole number`, line);
  const scale = unitScale(unit);
  if (scale === undefined)
    throw new ParseError(TOOL, `unknown unit ${JSON.stringify(unit)} in <${name}>`, line);
  const bytes = BigInt(value) * scale;
  return Number((bytes + 1023n) / 1024n);
}

/** Bytes per unit, as libvirt's virScaleInteger (default unit for memory: KiB). */
export function unitScale(unit: string | undefined): bigint | undefined {
  if (unit === undefined || unit === "") return 1024n;
  const u = unit.toLowerCase();
  if (u === "b" || u === "byte" || u === "bytes") return 1n;
  const m = /^([kmgtpe])(ib|b)?$/.exec(u);
  if (!m) return undefined;
  const base = m[2] === "b" ? 1000n : 1024n;
  return base ** BigInt("kmgtpe".indexOf(m[1]!) + 1);
}

function count(text: string, what: string): number {
  const t = text.trim();
  if (!/^\d+$/.test(t)) throw new ParseError(TOOL, `${what} is not a whole number`, t);
  return Number(t);
}

function isNode(value: unknown): value is XmlNode {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The single child element `name`; several of them are an error. */
function one(parent: XmlNode, name: string): unknown {
  const value = parent[name];
  if (Array.isArray(value)) throw new ParseError(TOOL, `more than one <${name}> element`);
  return value;
}

function text1(parent: XmlNode, name: string): string | undefined {
  const node = one(parent, name);
  return node === undefined ? undefined : textOf(node).trim();
}

/** The text of an element: a bare string, or "#text" of an element with attributes ("" when empty). */
function textOf(node: unknown): string {
  if (typeof node === "string") return node;
  if (isNode(node) && typeof node["#text"] === "string") return node["#text"];
  return "";
}

function attr(node: unknown, name: string): string | undefined {
  if (!isNode(node)) return undefined;
  const value = node[`@_${name}`];
  return typeof value === "string" ? value : undefined;
}
