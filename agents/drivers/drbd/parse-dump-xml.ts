import { XMLParser, XMLValidator } from "fast-xml-parser";
import { ParseError } from "../../../lib/errors/app-error";

/*
 * `drbdadm dump-xml` prints every resource of the configuration as drbdadm parsed it (drbd-utils 8.4 and 9):
 *
 *   <config file="/etc/drbd.conf">
 *       <resource name="r5" conf-file-line="/etc/drbd.d/r5.res:1">
 *           <host name="xen1">
 *               <volume vnr="0">
 *                   <device minor="5">/dev/drbd5</device>
 *                   <disk>/dev/vg0/r5</disk>
 *                   <meta-disk>internal</meta-disk>
 *               </volume>
 *               <address family="ipv4" port="7805">10.0.0.1</address>
 *           </host>
 *           <host name="xen2"> ... </host>
 *           <connection> ... </connection>
 *           <section name="net"><option name="protocol" value="C"/></section>
 *       </resource>
 *   </config>
 *
 * 8.4's volume-less form puts <device>/<disk> straight in <host>. What we keep: per resource, per host, the
 * minors, backing disks and the replication address and port: what a new resource must not collide with.
 */

const TOOL = "drbdadm dump-xml";

export interface ConfiguredVolume {
  volume: number;
  minor: number | null;
  disk: string | null;
}

export interface ConfiguredHost {
  name: string;
  volumes: ConfiguredVolume[];
  address: string | null;
  port: number | null;
}

export interface ConfiguredResource {
  name: string;
  /** Where drbdadm read it ("/etc/drbd.d/r5.res:1"). */
  source: string | null;
  hosts: ConfiguredHost[];
  protocol: string | null;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  textNodeName: "#text",
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => ["resource", "host", "volume", "section", "option"].includes(name),
});

type Node = Record<string, unknown>;
const text = (v: unknown): string | null =>
  v === undefined || v === null
    ? null
    : typeof v === "object"
      ? ((v as Node)["#text"] as string | undefined)?.trim() || null
      : String(v).trim() || null;
const attr = (v: unknown, name: string): string | null =>
  v && typeof v === "object" ? (((v as Node)[`@${name}`] as string | undefined) ?? null) : null;
const int = (s: string | null, what: string): number | null => {
  if (s === null) return null;
  if (!/^\d+$/.test(s)) throw new ParseError(TOOL, `${what} is not a number`, s);
  return Number(s);
};

export function parseDrbdDumpXml(xml: string): ConfiguredResource[] {
  const trimmed = xml.trim();
  if (trimmed === "") throw new ParseError(TOOL, "empty output");
  const valid = XMLValidator.validate(trimmed);
  if (valid !== true)
    throw new ParseError(TOOL, `not well-formed XML (line ${valid.err.line}: ${valid.err.msg})`);
  const doc = parser.parse(trimmed) as Node;
  const config = doc["config"];
  if (config === undefined) throw new ParseError(TOOL, "no <config> root element", trimmed.split("\n")[0]);
  const resources = (
    typeof config === "object" && config !== null ? (config as Node)["resource"] : undefined
  ) as Node[] | undefined;
  return (resources ?? []).map((r) => {
    const name = attr(r, "name");
    if (!name) throw new ParseError(TOOL, "<resource> without a name");
    const hosts = ((r["host"] as Node[] | undefined) ?? []).map((h) => {
      const hostName = attr(h, "name");
      if (!hostName) throw new ParseError(TOOL, `resource ${name}: <host> without a name`);
      // DRBD 9 and 8.4 with volumes: <volume vnr=..>; 8.4 without: <device>/<disk> directly in <host>.
      const volumeNodes =
        (h["volume"] as Node[] | undefined) ?? (h["device"] !== undefined ? [{ ...h, "@vnr": "0" }] : []);
      const volumes = volumeNodes.map((v) => ({
        volume: int(attr(v, "vnr"), "volume number") ?? 0,
        minor: int(attr(v["device"], "minor"), "minor"),
        disk: text(v["disk"]),
      }));
      const address = h["address"];
      return {
        name: hostName,
        volumes,
        address: text(address),
        port: int(attr(address, "port"), "port"),
      };
    });
    const net = ((r["section"] as Node[] | undefined) ?? []).find((s) => attr(s, "name") === "net");
    const protocol =
      ((net?.["option"] as Node[] | undefined) ?? []).find((o) => attr(o, "name") === "protocol")?.[
        "@value"
      ] ?? null;
    return { name, source: attr(r, "conf-file-line"), hosts, protocol: protocol as string | null };
  });
}
