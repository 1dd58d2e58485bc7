import { describe, expect, it } from "vitest";
import { parseXlList, stateFromFlags } from "../../../../agents/drivers/xen/parse-xl-list";
import { ParseError } from "../../../../lib/errors/app-error";
import { listSamples, loadSample } from "../../helpers/fixtures";
import { thrownBy } from "../../../helpers/thrown";

const XL = "xen_xl_list.txt";
const XM = "xen_xm_list.txt";

const parseErrorOf = (fn: () => unknown) => thrownBy(fn, ParseError);

describe("xl list / xm list fixtures", () => {
  it("covers every sample of the fixture files", () => {
    expect(listSamples(XL)).toEqual(["xl44-crashed", "xl-man-claims", "xl-man-vm-list"]);
    expect(listSamples(XM)).toEqual(["xen-xm-list-4.0.1-dom0-only", "xen-xm-uptime-4.0.1"]);
  });

  it("xl44-crashed: running, blocked and two crashed (--psc-) domains, one named (null)", () => {
    expect(parseXlList(loadSample(XL, "xl44-crashed"))).toEqual([
      {
        name: "Domain-0",
        domId: 0,
        memoryMiB: 1023,
        vcpus: 1,
        stateFlags: "r-----",
        state: "running",
        cpuSeconds: 154706.1,
      },
      {
        name: "server01.example.com",
        domId: 1,
        memoryMiB: 1024,
        vcpus: 1,
        stateFlags: "-b----",
        state: "blocked",
        cpuSeconds: 167643.2,
      },
      {
        name: "(null)",
        domId: 28441,
        memoryMiB: 789,
        vcpus: 1,
        stateFlags: "--psc-",
        state: "crashed",
        cpuSeconds: 1.2,
      },
      {
        name: "alsodying.example.com",
        domId: 28448,
        memoryMiB: 1024,
        vcpus: 1,
        stateFlags: "--psc-",
        state: "crashed",
        cpuSeconds: 1.4,
      },
    ]);
  });

  it("xl-man-claims: indented table with an extra Claimed column, paused domains", () => {
    expect(parseXlList(loadSample(XL, "xl-man-claims"))).toEqual([
      {
        name: "Domain-0",
        domId: 0,
        memoryMiB: 2047,
        vcpus: 4,
        stateFlags: "r-----",
        state: "running",
        cpuSeconds: 19.7,
      },
      {
        name: "OL5",
        domId: 2,
        memoryMiB: 2048,
        vcpus: 1,
        stateFlags: "--p---",
        state: "paused",
        cpuSeconds: 0,
      },
      {
        name: "OL6",
        domId: 3,
        memoryMiB: 1024,
        vcpus: 4,
        stateFlags: "r-----",
        state: "running",
        cpuSeconds: 5.9,
      },
      {
        name: "Windows_XP",
        domId: 4,
        memoryMiB: 2047,
        vcpus: 1,
        stateFlags: "--p---",
        state: "paused",
        cpuSeconds: 0,
      },
    ]);
  });

  it("xl-man-vm-list: `xl vm-list` is another table and is refused", () => {
    const sample = loadSample(XL, "xl-man-vm-list");
    const err = parseErrorOf(() => parseXlList(sample));
    expect(err.details).toMatchObject({ tool: "xl list", line: sample.split("\n")[0] });
  });

  it("xen-xm-list-4.0.1-dom0-only: xm prints the same table", () => {
    expect(parseXlList(loadSample(XM, "xen-xm-list-4.0.1-dom0-only"))).toEqual([
      {
        name: "Domain-0",
        domId: 0,
        memoryMiB: 1023,
        vcpus: 1,
        stateFlags: "r-----",
        state: "running",
        cpuSeconds: 121152.6,
      },
    ]);
  });

  it("xen-xm-uptime-4.0.1: `xm uptime` is another table and is refused", () => {
    expect(() => parseXlList(loadSample(XM, "xen-xm-uptime-4.0.1"))).toThrow(ParseError);
  });
});

describe("parseXlList", () => {
  it("reads xl's TAB-separated header and ignores extra columns (xl list -v)", () => {
    const text = [
      "Name                                        ID   Mem VCPUs\tState\tTime(s)   UUID                            Reason-Code\tSecurity Label",
      "Domain-0                                     0  4096     4     r-----     398.7 00000000-0000-0000-0000-000000000000        -                -",
      "vm1                                          5  1024     2     -b----       0.5 1b4e28ba-2fa1-11d2-883f-0016d3cca427        -                -",
      "",
    ].join("\n");
    expect(parseXlList(text).map((d) => [d.name, d.domId, d.state])).toEqual([
      ["Domain-0", 0, "running"],
      ["vm1", 5, "blocked"],
    ]);
  });

  it.each([
    ["------", "blocked"], // exists, but no vCPU running or blocked right now
    ["r-----", "running"],
    ["-b----", "blocked"],
    ["rb----", "running"],
    ["--p---", "paused"],
    ["-bp---", "paused"],
    ["---s--", "shutdown"],
    ["--ps--", "shutdown"],
    ["----c-", "crashed"],
    ["--psc-", "crashed"],
    ["-----d", "dying"],
    ["---scd", "dying"],
  ] as const)("maps flags %s to %s", (flags, state) => {
    expect(stateFromFlags(flags)).toBe(state);
    const [dom] = parseXlList(`Name ID Mem VCPUs State Time(s)\nvm 3 512 1 ${flags} 1.0\n`);
    expect(dom?.state).toBe(state);
  });

  it.each([
    ["vm1 3 512 1 -x---- 1.0"], // unknown flag
    ["vm1 3 512 1 b----- 1.0"], // b in the r position
    ["vm1 3 512 1 -b--- 1.0"], // 5 flags
    ["vm1 three 512 1 -b---- 1.0"],
    ["vm1 3 512 1 -b----"], // no time
    ["vm1 3 512 1 -b---- soon"],
    ["Error: unable to connect to xenstored"],
  ])("throws ParseError naming the line %j", (row) => {
    const err = parseErrorOf(() =>
      parseXlList(
        `Name                                        ID   Mem VCPUs      State   Time(s)\n${row}\n`,
      ),
    );
    expect(err.details).toMatchObject({ tool: "xl list", line: row });
  });

  it("needs the header line: empty output is an error, a bare header is no domains", () => {
    expect(() => parseXlList("")).toThrow(ParseError);
    expect(() => parseXlList("\n\n")).toThrow(/header/);
    expect(() => parseXlList("Domain-0 0 1023 1 r----- 1.0\n")).toThrow(ParseError);
    expect(
      parseXlList("Name                                        ID   Mem VCPUs      State   Time(s)\n"),
    ).toEqual([]);
  });
});
