import { describe, expect, it } from "vitest";
import { parseXlInfo } from "../../../../agents/drivers/xen/parse-xl-info";
import { ParseError } from "../../../../lib/errors/app-error";
import { listSamples, loadSample } from "../../helpers/fixtures";

const FILE = "xen_info.txt";

const MINIMAL = [
  "host                   : node-a",
  "nr_cpus                : 8",
  "total_memory           : 32611",
  "free_memory            : 27890",
  "xen_major              : 4",
  "xen_minor              : 17",
  "xen_extra              : .3",
  "",
].join("\n");

describe("xl info / xm info fixtures", () => {
  it("covers every sample of the fixture file", () => {
    expect(listSamples(FILE)).toEqual(["xm-info-4.0.1"]);
  });

  it("xm-info-4.0.1: memory, CPUs, version and dom0_mem", () => {
    const info = parseXlInfo(loadSample(FILE, "xm-info-4.0.1"));
    expect(info).toMatchObject({
      host: "host.example.com",
      totalMemoryMiB: 16378,
      freeMemoryMiB: 8004,
      nrCpus: 4,
      xenVersion: "4.0.1",
      dom0MemArg: "dom0_mem=1024M",
    });
    expect(Object.keys(info.raw)).toHaveLength(31);
    expect(info.raw).toMatchObject({
      virt_caps: "", // "virt_caps              : " with a trailing space
      xen_caps: "xen-3.0-x86_64 xen-3.0-x86_32p", // trailing space trimmed
      cc_compiler: "gcc version 4.4.5 (Debian 4.4.5-8)",
      hw_caps: "bfebfbff:20100800:00000000:00000940:0004e3bd:00000000:00000001:00000000",
      node_to_cpu: "node0:0-3",
      version: "#1 SMP Tue Jan  1 00:00:00 UTC 2013",
      xen_commandline: "placeholder dom0_mem=1024M com1=115200,8n1 console=com1",
      xend_config_format: "4",
    });
  });
});

describe("parseXlInfo", () => {
  it("omits dom0MemArg when the command line has none, joins several", () => {
    expect(parseXlInfo(MINIMAL)).toEqual({
      host: "node-a",
      totalMemoryMiB: 32611,
      freeMemoryMiB: 27890,
      nrCpus: 8,
      xenVersion: "4.17.3",
      raw: {
        host: "node-a",
        nr_cpus: "8",
        total_memory: "32611",
        free_memory: "27890",
        xen_major: "4",
        xen_minor: "17",
        xen_extra: ".3",
      },
    });
    const twice = `${MINIMAL}xen_commandline        : placeholder dom0_mem=min:2048M dom0_mem=max:4096M ucode=scan\n`;
    expect(parseXlInfo(twice).dom0MemArg).toBe("dom0_mem=min:2048M dom0_mem=max:4096M");
  });

  it("falls back to xen_version when the parts are missing, tolerates unknown keys", () => {
    const text =
      MINIMAL.replace(/xen_(major|minor|extra).*\n/g, "") +
      "xen_version            : 4.19.1\nsome_future_key        : a : b\n";
    const info = parseXlInfo(text);
    expect(info.xenVersion).toBe("4.19.1");
    expect(info.raw.some_future_key).toBe("a : b");
  });

  it("throws ParseError for a missing or non-numeric required key", () => {
    expect(() => parseXlInfo(MINIMAL.replace(/host.*\n/, ""))).toThrow(/no host line/);
    expect(() => parseXlInfo(MINIMAL.replace(/xen_(major|minor|extra).*\n/g, ""))).toThrow(ParseError);
    const err = (() => {
      try {
        parseXlInfo(MINIMAL.replace("32611", "32 GiB"));
      } catch (e) {
        return e as ParseError;
      }
    })();
    expect(err).toBeInstanceOf(ParseError);
    expect(err?.details.line).toBe("total_memory : 32 GiB");
  });

  it("throws ParseError naming a line that is not 'key : value'", () => {
    try {
      parseXlInfo(`${MINIMAL}${"garbage without separator"}\n`);
      expect.unreachable();
    } catch (e) {
      expect((e as ParseError).details).toMatchObject({ tool: "xl info", line: "garbage without separator" });
    }
  });

  it("throws ParseError for empty output", () => {
    expect(() => parseXlInfo("")).toThrow(ParseError);
  });
});
