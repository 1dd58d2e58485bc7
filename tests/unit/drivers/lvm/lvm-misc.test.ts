import { describe, expect, it } from "vitest";
import {
  isLvmDiagnostic,
  parseLvcreateOutput,
  parseLvmSize,
  parseVgsPlain,
} from "../../../../agents/drivers/lvm/parse-lvm-report";
import { ParseError } from "../../../../lib/errors/app-error";
import { listSamples, loadSample } from "../../helpers/fixtures";

const FILE = "lvm_lvcreate_and_misc.txt";

describe("lvcreate / vgreduce fixtures", () => {
  it("covers every sample of the fixture file", () => {
    expect(listSamples(FILE)).toEqual([
      "cfs-lvcreate-local",
      "vgreduce-removemissing-2.02.66-ok",
      "vgreduce-removemissing-2.02.66-fail",
    ]);
  });

  it("cfs-lvcreate-local: the created LV's name (the prompt line is ignored)", () => {
    const text = loadSample(FILE, "cfs-lvcreate-local");
    expect(text.split("\n")[0]).toMatch(/^\[root@pcmk-1 ~\]# lvcreate /);
    expect(parseLvcreateOutput(text)).toEqual({ lv: "drbd-demo" });
  });

  it("vgreduce-removemissing-2.02.66-ok: the uuid warning is a diagnostic, the result line is not a report", () => {
    const lines = loadSample(FILE, "vgreduce-removemissing-2.02.66-ok").trimEnd().split("\n");
    expect(lines.map(isLvmDiagnostic)).toEqual([true, false]);
    try {
      parseVgsPlain(lines.join("\n"));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ParseError);
      expect((err as ParseError).details).toMatchObject({
        tool: "vgs",
        line: "  Wrote out consistent volume group xenvg",
      });
    }
  });

  it("vgreduce-removemissing-2.02.66-fail: every WARNING line is a diagnostic, the advice lines are not", () => {
    const lines = loadSample(FILE, "vgreduce-removemissing-2.02.66-fail").trimEnd().split("\n");
    expect(lines).toHaveLength(34);
    const kept = lines.filter((l) => !isLvmDiagnostic(l));
    expect(kept).toEqual([
      "  To remove them unconditionally use: vgreduce --removemissing --force.",
      "  Proceeding to remove empty missing PVs.",
    ]);
    expect(() => parseVgsPlain(lines.join("\n"))).toThrow(ParseError);
  });
});

describe("parseLvcreateOutput", () => {
  it("accepts the older form without a period and surrounding messages", () => {
    const text =
      '  Rounding up size to full physical extent 4.00 MiB\n  Logical volume "vm1.disk0" created\n';
    expect(parseLvcreateOutput(text)).toEqual({ lv: "vm1.disk0" });
  });

  it("throws ParseError when no LV was reported created", () => {
    expect(() =>
      parseLvcreateOutput('  Volume group "xenvg" has insufficient free space (10 extents): 25 required.\n'),
    ).toThrow(ParseError);
  });
});

describe("parseLvmSize", () => {
  it.each([
    [1073741824, 1073741824],
    ["1073741824", 1073741824],
    ["1073741824B", 1073741824],
    ["1073741824b", 1073741824],
    ["0", 0],
    ["0 ", 0],
    ["2048s", 1048576],
    ["4.00m", 4194304],
    ["20.00g", 21474836480],
    ["512.00k", 524288],
    ["<1.82t", Math.round(1.82 * 1024 ** 4)],
    [">2.00g", 2147483648],
    ["1.50p", 1.5 * 1024 ** 5],
    ["4.19M", 4190000],
    ["1.00G", 1e9],
  ] as const)("%j → %d bytes", (value, bytes) => {
    expect(parseLvmSize(value)).toBe(bytes);
  });

  it.each([["4.00"], ["1.5B"], ["lots"], ["-1"], ["4.00x"], [""], [4.5], [-1]])("refuses %j", (value) => {
    expect(() => parseLvmSize(value, "lvs", "row")).toThrow(ParseError);
  });

  it("names the line it was given", () => {
    try {
      parseLvmSize(null, "vgs", "  vg|x|y");
      expect.unreachable();
    } catch (err) {
      expect((err as ParseError).details).toMatchObject({ tool: "vgs", line: "  vg|x|y" });
    }
  });
});
