/**
 * `tandem-agent parse <format> [file]`: every output format the agent reads, by name, for humans and for
 * acceptance tests. Each entry is the production parser plus, where needed, the adapter to the shared
 * result shape of its family (agents/parsers/shapes.ts).
 */
import {
  applyEvents2Record,
  createEvents2State,
  events2StateToStatus,
  parseEvents2Line,
} from "../drivers/drbd/parse-events2";
import { classifyDrbdError } from "../drivers/drbd/parse-drbd-error";
import { parseProcDrbd } from "../drivers/drbd/parse-proc-drbd";
import { parseDrbdStatusJson } from "../drivers/drbd/parse-status-json";
import { parseDrbdStatusText } from "../drivers/drbd/parse-status-text";
import { drbdStatusToReport } from "../drivers/drbd/report";
import { dominfoToDomainList, parseVirshDominfo } from "../drivers/libvirt/parse-virsh-dominfo";
import { parseVirshDommemstat } from "../drivers/libvirt/parse-virsh-dommemstat";
import { domainXmlToDomainList, parseDomainXml } from "../drivers/libvirt/parse-virsh-dumpxml";
import { parseVirshDomstate } from "../drivers/libvirt/parse-virsh-domstate";
import { classifyVirshError } from "../drivers/libvirt/parse-virsh-error";
import { parseVirshList } from "../drivers/libvirt/parse-virsh-list";
import { parseVirshNodeinfo } from "../drivers/libvirt/parse-virsh-nodeinfo";
import { parseLvsJson, parseLvsPlain, parseVgsJson, parseVgsPlain } from "../drivers/lvm/parse-lvm-report";
import { xlInfoToHostInfo, xlListToDomainList } from "../drivers/xen/hosts";
import { parseXmListLong, xmListLongToDomainList } from "../drivers/xen/parse-xm-list-long";
import { parseXlInfo } from "../drivers/xen/parse-xl-info";
import { parseXlList } from "../drivers/xen/parse-xl-list";
import { parseXlListLong } from "../drivers/xen/parse-xl-list-long";
import type { TDrbdStatus } from "../protocol/schemas";

export type Parser = (text: string) => unknown;

/** The state after applying every events2 line in order (an initial dump, then any change lines). */
export function parseEvents2Stream(text: string): TDrbdStatus {
  const state = createEvents2State();
  for (const line of text.split("\n")) {
    const record = parseEvents2Line(line);
    if (record && record.object !== "-") applyEvents2Record(state, record);
  }
  return events2StateToStatus(state);
}

/** `xl info` / `xm info` (same format): the host-info shape plus the hostname and Xen version. */
function xenHostInfo(text: string) {
  const info = parseXlInfo(text);
  return { ...xlInfoToHostInfo(info), host: info.host, xenVersion: info.xenVersion };
}

export const PARSE_FORMATS: Record<string, Parser> = {
  "proc-drbd": (text) => parseProcDrbd(text),
  "drbd-status": (text) => parseDrbdStatusText(text),
  "drbd-status-json": (text) => drbdStatusToReport(parseDrbdStatusJson(text)),
  "drbd-events2": (text) => drbdStatusToReport(parseEvents2Stream(text)),
  /** stderr of a failed drbdadm/drbdsetup → the error code Tandem maps it to. */
  "drbd-error": (text) => classifyDrbdError(text, null),
  "virsh-list": (text) => parseVirshList(text),
  "virsh-dominfo": (text) => {
    const info = parseVirshDominfo(text);
    return { ...dominfoToDomainList(info), info };
  },
  "virsh-dommemstat": (text) => parseVirshDommemstat(text),
  "virsh-dumpxml": (text) => {
    const domain = parseDomainXml(text);
    return { ...domainXmlToDomainList(domain), domain };
  },
  /** `virsh nodeinfo` prints no free memory: freeMemKiB is absent (the agent adds `virsh freecell --all`). */
  "virsh-nodeinfo": (text) => parseVirshNodeinfo(text),
  "virsh-domstate": (text) => parseVirshDomstate(text),
  "virsh-error": (text) => classifyVirshError(text, null),
  "xl-list": (text) => xlListToDomainList(parseXlList(text)),
  /**
   * `xl list -l` holds each domain's configuration, not its run state: every domain it lists exists, so it
   * is reported as running; `xl list` gives the precise state.
   */
  "xl-list-long": (text) => ({
    domains: parseXlListLong(text).map((d) => ({
      name: d.name,
      id: d.domId,
      state: "running",
      ...(d.targetMemKiB === undefined ? {} : { memoryKiB: d.targetMemKiB }),
      ...(d.maxMemKiB === undefined ? {} : { maxMemoryKiB: d.maxMemKiB }),
      ...(d.maxVcpus === undefined ? {} : { vcpus: d.maxVcpus }),
    })),
  }),
  "xl-info": (text) => xenHostInfo(text),
  "xm-list": (text) => xlListToDomainList(parseXlList(text)),
  "xm-list-long": (text) => xmListLongToDomainList(parseXmListLong(text)),
  "xm-info": (text) => xenHostInfo(text),
  "lvs-json": (text) => parseLvsJson(text),
  "lvs-plain": (text) => parseLvsPlain(text),
  "vgs-json": (text) => parseVgsJson(text),
  "vgs-plain": (text) => parseVgsPlain(text),
};
