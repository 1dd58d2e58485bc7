import { describe, expect, it } from "vitest";
import { parseXlListLong } from "../../../../agents/drivers/xen/parse-xl-list-long";
import { ParseError } from "../../../../lib/errors/app-error";
import { listSamples, loadSample } from "../../helpers/fixtures";

const FILE = "xen_libxl_domain_config_json.txt";

/**
 * No genuine `xl list -l` capture exists (fixtures INDEX.md): the samples are the libxl_domain_config
 * that xl prints under "config", so the test wraps one the way tools/xl/xl_info.c does.
 */
function asXlListLong(entries: Array<{ domid: number; config: string }>): string {
  return `[\n${entries.map((e) => `    {\n        "domid": ${e.domid},\n        "config": ${e.config.trim()}\n    }`).join(",\n")}\n]\n`;
}

describe("xl list -l", () => {
  it("covers every sample of the fixture file", () => {
    expect(listSamples(FILE)).toEqual(["libxl-basic-pv"]);
  });

  it("libxl-basic-pv: name, memory in KiB and vCPUs from the config (TAB indentation and all)", () => {
    const config = loadSample(FILE, "libxl-basic-pv");
    expect(config).toContain("\t");
    expect(parseXlListLong(asXlListLong([{ domid: 7, config }]))).toEqual([
      {
        domId: 7,
        name: "test-pv",
        maxMemKiB: 524288,
        targetMemKiB: 524288,
        maxVcpus: 4,
        disks: ["/var/lib/xen/images/test-pv.img"],
      },
    ]);
  });

  it("accepts dom0's entry with nothing but c_info", () => {
    const dom0 = '{ "c_info": { "type": "pv", "name": "Domain-0" } }';
    const config = loadSample(FILE, "libxl-basic-pv");
    expect(
      parseXlListLong(
        asXlListLong([
          { domid: 0, config: dom0 },
          { domid: 7, config },
        ]),
      ),
    ).toEqual([
      { domId: 0, name: "Domain-0", disks: [] },
      {
        domId: 7,
        name: "test-pv",
        maxMemKiB: 524288,
        targetMemKiB: 524288,
        maxVcpus: 4,
        disks: ["/var/lib/xen/images/test-pv.img"],
      },
    ]);
  });

  it("tolerates unknown keys", () => {
    const text =
      '[{"domid": 3, "future": 1, "config": {"c_info": {"name": "vm", "x": [1]}, "b_info": {"max_memkb": 1024, "y": {}}, "z": null}}]';
    expect(parseXlListLong(text)).toEqual([{ domId: 3, name: "vm", maxMemKiB: 1024, disks: [] }]);
  });

  it("returns no domains for an empty array", () => {
    expect(parseXlListLong("[\n]\n")).toEqual([]);
  });

  it("throws ParseError for empty, non-JSON, SXP or malformed output", () => {
    expect(() => parseXlListLong("")).toThrow(ParseError);
    expect(() => parseXlListLong("Name ID Mem VCPUs State Time(s)\n")).toThrow(/not JSON/);
    const sxp = "(domain\n    (domid 0)\n    (name Domain-0)\n)\n";
    try {
      parseXlListLong(sxp);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ParseError);
      expect((e as ParseError).details).toMatchObject({ tool: "xl list -l", line: "(domain" });
    }
    expect(() => parseXlListLong('[{"domid": 3, "config": {"c_info": {}}}]')).toThrow(
      /0\.config\.c_info\.name/,
    );
    expect(() => parseXlListLong('[{"domid": "3", "config": {"c_info": {"name": "vm"}}}]')).toThrow(
      ParseError,
    );
    expect(() => parseXlListLong('{"domid": 3}')).toThrow(ParseError);
  });
});
