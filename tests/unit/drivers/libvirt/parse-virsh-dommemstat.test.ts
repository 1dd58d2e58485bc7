import { describe, expect, it } from "vitest";
import { parseVirshDommemstat } from "../../../../agents/drivers/libvirt/parse-virsh-dommemstat";
import { ParseError } from "../../../../lib/errors/app-error";
import { listSamples, loadSample } from "../../helpers/fixtures";
import { thrownBy } from "../../../helpers/thrown";

const FILE = "virsh_dommemstat.txt";

const parseErrorOf = (fn: () => unknown) => thrownBy(fn, ParseError);

describe("virsh dommemstat fixtures", () => {
  it("covers every sample of the fixture file", () => {
    expect(listSamples(FILE)).toEqual(["kvm-ubuntu-2023-full", "pmhahn-full", "sunnoy-readme"]);
  });

  it("kvm-ubuntu-2023-full: newer fields (disk_caches, hugetlb_*) after the pasted command", () => {
    expect(parseVirshDommemstat(loadSample(FILE, "kvm-ubuntu-2023-full"))).toEqual({
      actualKiB: 1048576,
      unusedKiB: 515280,
      availableKiB: 962504,
      rssKiB: 1014220,
      raw: {
        actual: 1048576,
        swap_in: 0,
        swap_out: 0,
        major_fault: 1117,
        minor_fault: 225880,
        unused: 515280,
        available: 962504,
        usable: 647168,
        last_update: 1689845856,
        disk_caches: 256344,
        hugetlb_pgalloc: 0,
        hugetlb_pgfail: 0,
        rss: 1014220,
      },
    });
  });

  it("pmhahn-full: TAB-indented balloon stats with swapping", () => {
    expect(parseVirshDommemstat(loadSample(FILE, "pmhahn-full"))).toEqual({
      actualKiB: 2097152,
      unusedKiB: 126932,
      availableKiB: 2052340,
      rssKiB: 1922568,
      raw: {
        actual: 2097152,
        swap_in: 10936,
        swap_out: 46632,
        major_fault: 8471,
        minor_fault: 111268966,
        unused: 126932,
        available: 2052340,
        usable: 916624,
        last_update: 1558618059,
        rss: 1922568,
      },
    });
  });

  it("sunnoy-readme: 2018 output after the bare command line", () => {
    expect(parseVirshDommemstat(loadSample(FILE, "sunnoy-readme"))).toEqual({
      actualKiB: 1048576,
      unusedKiB: 797544,
      availableKiB: 1016008,
      rssKiB: 386304,
      raw: {
        actual: 1048576,
        swap_in: 0,
        swap_out: 0,
        major_fault: 484,
        minor_fault: 48658488,
        unused: 797544,
        available: 1016008,
        usable: 767732,
        last_update: 1543212082,
        rss: 386304,
      },
    });
  });
});

describe("parseVirshDommemstat", () => {
  it("a guest without balloon stats (booting): actual, last_update and rss only", () => {
    expect(parseVirshDommemstat("actual 2097152\nlast_update 0\nrss 301212\n\n")).toEqual({
      actualKiB: 2097152,
      rssKiB: 301212,
      raw: { actual: 2097152, last_update: 0, rss: 301212 },
    });
  });

  it("tolerates unknown statistics", () => {
    const stats = parseVirshDommemstat("actual 1024\nsome_future_stat 42\n");
    expect(stats).toEqual({ actualKiB: 1024, raw: { actual: 1024, some_future_stat: 42 } });
  });

  it("needs the actual line", () => {
    expect(() => parseVirshDommemstat("rss 1\nlast_update 2\n")).toThrow(/no 'actual' line/);
    expect(() => parseVirshDommemstat("\n")).toThrow(/empty output/);
  });

  it.each([
    ["actual -1"],
    ["actual 1024 KiB"],
    ["actual"],
    ["actual: 1024"],
    ["error: Requested operation is not valid"],
  ])("throws ParseError naming the line %j", (line) => {
    const err = parseErrorOf(() => parseVirshDommemstat(`rss 1\n${line}\n`));
    expect(err.details).toMatchObject({ tool: "virsh dommemstat", line });
  });

  it("refuses a repeated statistic (two outputs glued together)", () => {
    const err = parseErrorOf(() => parseVirshDommemstat("actual 1\nrss 2\nactual 1\n"));
    expect(err.details.line).toBe("actual 1");
  });
});
