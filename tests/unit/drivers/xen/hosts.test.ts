import { describe, expect, it } from "vitest";
import { xlInfoToHostInfo, xlListToDomainList } from "../../../../agents/drivers/xen/hosts";
import { parseXlInfo } from "../../../../agents/drivers/xen/parse-xl-info";
import { parseXlList } from "../../../../agents/drivers/xen/parse-xl-list";
import type { XlLongDomain } from "../../../../agents/drivers/xen/parse-xl-list-long";
import { ZDomainList, ZHostInfo } from "../../../../agents/parsers/shapes";
import { ParseError } from "../../../../lib/errors/app-error";
import { listSamples, loadSample } from "../../helpers/fixtures";

const INFO = "xen_info.txt";
const XM = "xen_xm_list.txt";
const XL = "xen_xl_list.txt";

describe("xm info / xl info → host info", () => {
  it("covers every sample of the fixture file", () => {
    expect(listSamples(INFO)).toEqual(["xm-info-4.0.1"]);
  });

  it("xm-info-4.0.1: total/free memory MiB → KiB, nr_cpus", () => {
    const host = xlInfoToHostInfo(parseXlInfo(loadSample(INFO, "xm-info-4.0.1")));
    expect(host).toEqual({ totalMemKiB: 16378 * 1024, freeMemKiB: 8004 * 1024, cpus: 4 });
    expect(ZHostInfo.parse(host)).toEqual(host);
  });

  it("reads xl info the same way (indented man-page style, extra keys)", () => {
    const text = [
      " host                   : node-a",
      " nr_cpus                : 8",
      " total_memory           : 6141",
      " free_memory            : 4274",
      " free_cpus              : 0",
      " outstanding_claims     : 0",
      " xen_major              : 4",
      " xen_minor              : 2",
      " xen_extra              : -unstable",
      "",
    ].join("\n");
    expect(xlInfoToHostInfo(parseXlInfo(text))).toEqual({
      totalMemKiB: 6141 * 1024,
      freeMemKiB: 4274 * 1024,
      cpus: 8,
    });
  });
});

describe("xm list / xl list → domain list", () => {
  it("covers every sample of the xm fixture file", () => {
    expect(listSamples(XM)).toEqual(["xen-xm-list-4.0.1-dom0-only", "xen-xm-uptime-4.0.1"]);
  });

  it("xen-xm-list-4.0.1-dom0-only: Domain-0 with Mem in KiB", () => {
    const list = xlListToDomainList(parseXlList(loadSample(XM, "xen-xm-list-4.0.1-dom0-only")));
    expect(list).toEqual({
      domains: [{ name: "Domain-0", id: 0, state: "running", memoryKiB: 1023 * 1024, vcpus: 1 }],
    });
    expect(ZDomainList.parse(list)).toEqual(list);
  });

  it("xen-xm-uptime-4.0.1: `xm uptime` is not a domain table", () => {
    expect(() => parseXlList(loadSample(XM, "xen-xm-uptime-4.0.1"))).toThrow(ParseError);
  });

  it("takes maxMemoryKiB from `xl list -l` entries matched by domid and name", () => {
    const table = parseXlList(loadSample(XL, "xl44-crashed"));
    const long: XlLongDomain[] = [
      { domId: 0, name: "Domain-0", disks: [] }, // dom0: no b_info
      { domId: 1, name: "server01.example.com", maxMemKiB: 2097152, targetMemKiB: 1048576, disks: [] },
      { domId: 28448, name: "someone-else", maxMemKiB: 4194304, disks: [] }, // replaced in between
    ];
    expect(xlListToDomainList(table, long)).toEqual({
      domains: [
        { name: "Domain-0", id: 0, state: "running", memoryKiB: 1023 * 1024, vcpus: 1 },
        {
          name: "server01.example.com",
          id: 1,
          state: "blocked",
          memoryKiB: 1024 * 1024,
          maxMemoryKiB: 2097152,
          vcpus: 1,
        },
        { name: "(null)", id: 28441, state: "crashed", memoryKiB: 789 * 1024, vcpus: 1 },
        { name: "alsodying.example.com", id: 28448, state: "crashed", memoryKiB: 1024 * 1024, vcpus: 1 },
      ],
    });
  });

  it("gives an empty list for a table with no rows", () => {
    expect(xlListToDomainList([])).toEqual({ domains: [] });
  });
});
