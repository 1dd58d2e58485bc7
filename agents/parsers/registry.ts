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
  "xl-list": (text) => parseXlList(text),
  "xl-list-long": (text) => parseXlListLong(text),
  "xl-info": (text) => parseXlInfo(text),
};
