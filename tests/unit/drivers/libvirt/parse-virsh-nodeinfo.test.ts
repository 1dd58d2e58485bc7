import { describe, expect, it } from "vitest";
import {
  nodeinfoToHostInfo,
  parseVirshFreecell,
  parseVirshNodeinfo,
  parseVirshNodememstats,
} from "../../../../agents/drivers/libvirt/parse-virsh-nodeinfo";
import { ParseError } from "../../../../lib/errors/app-error";
import { listSamples, loadSample } from "../../helpers/fixtures";
import { thrownBy } from "../../../helpers/thrown";

const FILE = "virsh_host_memory.txt";

const parseErrorOf = (fn: () => unknown) => thrownBy(fn, ParseError);

/** `virsh freecell --all` as cmdFreecell prints it: "%5lu: %10llu KiB", dashes, "%5s: %10llu KiB". */
const FREECELL_ALL = [
  `${"0".padStart(5)}: ${"2047236".padStart(10)} KiB`,
  `${"1".padStart(5)}: ${"1991872".padStart(10)} KiB`,
  "--------------------",
  `${"Total".padStart(5)}: ${"4039108".padStart(10)} KiB`,
  "",
].join("\n");

/** `virsh nodememstats` as cmdNodeMemStats prints it: "%-7s: %20llu KiB". */
const NODEMEMSTATS = [
  ["total", 3809340],
  ["free", 1165232],
  ["buffers", 201212],
  ["cached", 1451368],
]
  .map(([k, v]) => `${String(k).padEnd(7)}: ${String(v).padStart(20)} KiB`)
  .join("\n");

describe("virsh nodeinfo / nodememstats fixtures", () => {
  it("covers every sample of the fixture file", () => {
    expect(listSamples(FILE)).toEqual(["nodeinfo-libvirt-test", "nodememstats-line-examples"]);
  });

  it("nodeinfo-libvirt-test: CPUs and memory size of the test driver", () => {
    expect(parseVirshNodeinfo(loadSample(FILE, "nodeinfo-libvirt-test"))).toEqual({
      totalMemKiB: 3145728,
      cpus: 16,
      raw: {
        "CPU model": "i686",
        "CPU(s)": "16",
        "CPU frequency": "1400 MHz",
        "CPU socket(s)": "2",
        "Core(s) per socket": "2",
        "Thread(s) per core": "2",
        "NUMA cell(s)": "2",
        "Memory size": "3145728 KiB",
      },
    });
  });

  it("nodememstats-line-examples: the total line in both unit spellings (kB and KiB)", () => {
    const lines = loadSample(FILE, "nodememstats-line-examples")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => l.replace(/^\s*# /, "")); // the sample is a Python comment
    expect(lines).toEqual(["total  :              3809340 kB", "total  :              3809340 KiB"]);
    for (const line of lines) expect(parseVirshNodememstats(line)).toEqual({ totalKiB: 3809340 });
  });
});

describe("parseVirshNodeinfo", () => {
  const nodeinfo = loadSample(FILE, "nodeinfo-libvirt-test");

  it("takes freeMemKiB from freecell --all or nodememstats output", () => {
    expect(parseVirshNodeinfo(nodeinfo, FREECELL_ALL)).toMatchObject({
      totalMemKiB: 3145728,
      cpus: 16,
      freeMemKiB: 4039108,
    });
    expect(parseVirshNodeinfo(nodeinfo, `${NODEMEMSTATS}\n`).freeMemKiB).toBe(1165232);
    expect(() => parseVirshNodeinfo(nodeinfo, "total  :   3809340 KiB\n")).toThrow(/no 'free' line/);
  });

  it("nodeinfoToHostInfo gives THostInfo and needs a free figure", () => {
    const info = parseVirshNodeinfo(nodeinfo);
    expect(info).not.toHaveProperty("freeMemKiB");
    expect(nodeinfoToHostInfo(info, 1000)).toEqual({ totalMemKiB: 3145728, freeMemKiB: 1000, cpus: 16 });
    expect(nodeinfoToHostInfo(parseVirshNodeinfo(nodeinfo, FREECELL_ALL))).toEqual({
      totalMemKiB: 3145728,
      freeMemKiB: 4039108,
      cpus: 16,
    });
    expect(() => nodeinfoToHostInfo(info)).toThrow(ParseError);
  });

  it("reads the 'kB' unit of releases before 2012", () => {
    expect(parseVirshNodeinfo(nodeinfo.replace("3145728 KiB", "3145728 kB")).totalMemKiB).toBe(3145728);
  });

  it("tolerates unknown keys and a missing CPU frequency line", () => {
    const text = nodeinfo.replace(/CPU frequency:.*\n/, "") + "Future key:          x\n";
    expect(parseVirshNodeinfo(text)).toMatchObject({ totalMemKiB: 3145728, cpus: 16 });
  });

  it("throws ParseError naming the line for bad values and other output", () => {
    for (const [from, to, line] of [
      [/CPU\(s\):.*/, "CPU(s):              many", "CPU(s): many"],
      [/Memory size:.*/, "Memory size:         3 GiB", "Memory size: 3 GiB"],
      [/NUMA cell.*/, "error: failed to get node information", "error: failed to get node information"],
    ] as const) {
      const err = parseErrorOf(() => parseVirshNodeinfo(nodeinfo.replace(from, to)));
      expect(err.details).toMatchObject({ tool: "virsh nodeinfo", line });
    }
    expect(() => parseVirshNodeinfo(nodeinfo.replace(/Memory size:.*\n/, ""))).toThrow(/no "Memory size:"/);
    expect(() => parseVirshNodeinfo("")).toThrow(/no "CPU\(s\):"/);
  });
});

describe("parseVirshFreecell", () => {
  it("reads the Total line of --all and of plain freecell (older 'kB' spelling too)", () => {
    expect(parseVirshFreecell(FREECELL_ALL)).toBe(4039108);
    expect(parseVirshFreecell("Total: 1184068 KiB\n")).toBe(1184068);
    expect(parseVirshFreecell("Total: 1184068 kB\n\n")).toBe(1184068);
  });

  it("reads a pasted, indented transcript that starts with the command", () => {
    const text =
      "    # virsh freecell --all\n        0:     524288 KiB\n        1:    1048576 KiB\n    --------------------\n    Total:    1572864 KiB\n";
    expect(parseVirshFreecell(text)).toBe(1572864);
  });

  it("refuses output without Total (one cell is not the host) and malformed lines", () => {
    expect(() => parseVirshFreecell("0: 2047236 KiB\n")).toThrow(/no 'Total:' line/);
    expect(() => parseVirshFreecell("")).toThrow(/empty output/);
    const err = parseErrorOf(() => parseVirshFreecell("    0:    2047236 MiB\nTotal: 1 KiB\n"));
    expect(err.details).toMatchObject({ tool: "virsh freecell", line: "    0:    2047236 MiB" });
  });
});

describe("parseVirshNodememstats", () => {
  it("reads total/free/buffers/cached and ignores unknown fields", () => {
    expect(parseVirshNodememstats(`${NODEMEMSTATS}\nhugetlb:                    0 KiB\n`)).toEqual({
      totalKiB: 3809340,
      freeKiB: 1165232,
      buffersKiB: 201212,
      cachedKiB: 1451368,
    });
    expect(parseVirshNodememstats("")).toEqual({});
  });

  it("throws ParseError naming the line", () => {
    const err = parseErrorOf(() => parseVirshNodememstats("total  : 12 MiB\n"));
    expect(err.details).toMatchObject({ tool: "virsh nodememstats", line: "total  : 12 MiB" });
  });
});
