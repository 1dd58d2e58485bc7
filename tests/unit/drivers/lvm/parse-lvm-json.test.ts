import { describe, expect, it } from "vitest";
import { parseLvsJson, parseVgsJson } from "../../../../agents/drivers/lvm/parse-lvm-report";
import { ZLvmGroups, ZLvmVolumes } from "../../../../agents/parsers/shapes";
import { ParseError } from "../../../../lib/errors/app-error";
import { listSamples, loadSample, stripPrompt } from "../../helpers/fixtures";
import { thrownBy } from "../../../helpers/thrown";

const FILE = "lvm_reportformat_json.txt";

const parseErrorOf = (fn: () => unknown) => thrownBy(fn, ParseError);

/** The LVM test-suite samples are shell comments: drop the leading "#" of every line. */
function uncomment(text: string): string {
  return text.replace(/^#/gm, "");
}

describe("lvs --reportformat json fixtures", () => {
  it("covers every sample of the fixture file", () => {
    expect(listSamples(FILE)).toEqual(["man-lvs-json", "lvm-test-json", "lvm-test-json-std"]);
  });

  it("man-lvs-json: lv_name + lv_size only (no VG column: vg from the caller, else empty)", () => {
    const text = stripPrompt(loadSample(FILE, "man-lvs-json"));
    const volumes = parseLvsJson(text);
    expect(volumes).toEqual({
      volumes: [
        { vg: "", lv: "lvol1", sizeBytes: 4 * 1024 * 1024 },
        { vg: "", lv: "lvol0", sizeBytes: 4 * 1024 * 1024 },
      ],
    });
    expect(ZLvmVolumes.parse(volumes)).toEqual(volumes);
    expect(parseLvsJson(text, { vg: "vg" }).volumes.map((v) => v.vg)).toEqual(["vg", "vg"]);
    // The prompt line pasted above the JSON is skipped as well.
    expect(parseLvsJson(loadSample(FILE, "man-lvs-json"))).toEqual(volumes);
  });

  it("lvm-test-json: no lv_size field, refused naming the first row", () => {
    const err = parseErrorOf(() => parseLvsJson(uncomment(loadSample(FILE, "lvm-test-json"))));
    expect(err.details).toMatchObject({
      tool: "lvs",
      line: '{"lv_name":"lvol1","lv_kernel_major":"253","data_percent":"0.00","lv_tags":""}',
    });
    expect(err.message).toMatch(/lv_size/);
  });

  it("lvm-test-json-std: the same with numbers, nulls and arrays, refused the same way", () => {
    const err = parseErrorOf(() => parseLvsJson(uncomment(loadSample(FILE, "lvm-test-json-std"))));
    expect(err.details).toMatchObject({
      tool: "lvs",
      line: '{"lv_name":"lvol1","lv_kernel_major":253,"data_percent":0,"lv_tags":[]}',
    });
  });

  it("lvm-test-json / json-std with an lv_size column added: extra fields of every type tolerated", () => {
    const withSize = (text: string, sizes: string[]): string => {
      let k = 0;
      return text.replace(/\{"lv_name":/g, () => `{"vg_name":"vg", "lv_size":${sizes[k++]}, "lv_name":`);
    };
    const json = withSize(uncomment(loadSample(FILE, "lvm-test-json")), [
      '"4194304"',
      '"8388608B"',
      '"<1.82t"',
    ]);
    expect(parseLvsJson(json).volumes).toEqual([
      { vg: "vg", lv: "lvol1", sizeBytes: 4194304 },
      { vg: "vg", lv: "lvol2", sizeBytes: 8388608 },
      { vg: "vg", lv: "lvol3", sizeBytes: Math.round(1.82 * 1024 ** 4) },
    ]);
    const std = withSize(uncomment(loadSample(FILE, "lvm-test-json-std")), [
      "4194304",
      "8388608",
      '"20.00g"',
    ]);
    expect(parseLvsJson(std).volumes).toEqual([
      { vg: "vg", lv: "lvol1", sizeBytes: 4194304 },
      { vg: "vg", lv: "lvol2", sizeBytes: 8388608 },
      { vg: "vg", lv: "lvol3", sizeBytes: 20 * 1024 ** 3 },
    ]);
  });
});

describe("parseLvsJson / parseVgsJson", () => {
  it("reads what lvsJson() / vgsJson() ask for (json: strings, json_std: numbers)", () => {
    const lvs = `  {
      "report": [
          {
              "lv": [
                  {"vg_name":"xenvg", "lv_name":"vm1.disk0", "lv_size":"10737418240", "lv_attr":"-wi-ao----", "lv_path":"/dev/xenvg/vm1.disk0"},
                  {"vg_name":"xenvg", "lv_name":"vm2.disk0", "lv_size":"21474836480", "lv_attr":"-wi-a-----", "lv_path":"/dev/xenvg/vm2.disk0"}
              ]
          }
      ]
  }
`;
    expect(parseLvsJson(lvs)).toEqual({
      volumes: [
        { vg: "xenvg", lv: "vm1.disk0", sizeBytes: 10737418240 },
        { vg: "xenvg", lv: "vm2.disk0", sizeBytes: 21474836480 },
      ],
    });
    const vgs = '{"report":[{"vg":[{"vg_name":"xenvg","vg_size":1000204886016,"vg_free":966770786304}]}]}';
    const groups = parseVgsJson(vgs);
    expect(groups).toEqual({ groups: [{ vg: "xenvg", sizeBytes: 1000204886016, freeBytes: 966770786304 }] });
    expect(ZLvmGroups.parse(groups)).toEqual(groups);
    expect(
      parseVgsJson('{"report":[{"vg":[{"vg_name":"vg","vg_size":"200.00m","vg_free":"<180.00m"}]}]}'),
    ).toEqual({
      groups: [{ vg: "vg", sizeBytes: 209715200, freeBytes: 188743680 }],
    });
  });

  it("reads every lv array of `lvm fullreport`, naming the VG from its vg array, and ignores the log", () => {
    const text = JSON.stringify({
      report: [
        {
          vg: [{ vg_name: "vg" }],
          pv: [{ pv_name: "/dev/sda", vg_name: "vg" }],
          lv: [
            { lv_name: "lvol0", lv_size: "4194304" },
            { lv_name: "lvol1", lv_size: "4194304" },
          ],
          pvseg: [],
          seg: [],
        },
        { vg: [{ vg_name: "vg2" }], lv: [{ lv_name: "data", lv_size: "1073741824" }] },
      ],
      log: [{ log_seq_num: "1", log_type: "status", log_message: "success" }],
    });
    expect(parseLvsJson(text).volumes).toEqual([
      { vg: "vg", lv: "lvol0", sizeBytes: 4194304 },
      { vg: "vg", lv: "lvol1", sizeBytes: 4194304 },
      { vg: "vg2", lv: "data", sizeBytes: 1073741824 },
    ]);
  });

  it("gives no volumes for an empty lv array", () => {
    expect(parseLvsJson('{"report":[{"lv":[]}]}')).toEqual({ volumes: [] });
  });

  it("skips LVM warnings printed before the JSON document", () => {
    const text = '  WARNING: Device for PV x not found or rejected by a filter.\n{"report":[{"vg":[]}]}\n';
    expect(parseVgsJson(text)).toEqual({ groups: [] });
  });

  it("throws ParseError for empty, non-JSON, mismatched or malformed reports", () => {
    expect(() => parseLvsJson("")).toThrow(ParseError);
    expect(parseErrorOf(() => parseLvsJson("  LV    VG Attr\n")).details).toMatchObject({
      tool: "lvs",
      line: "  LV    VG Attr",
    });
    expect(() => parseLvsJson('{"lv":[]}')).toThrow(/report/);
    expect(() => parseLvsJson('{"report":[{"vg":[]}]}')).toThrow(/no "lv" report/);
    expect(() => parseVgsJson('{"report":[{"vg":{"vg_name":"x"}}]}')).toThrow(/array/);
    const row = '{"vg_name":"vg","lv_name":"x","lv_size":"lots"}';
    expect(parseErrorOf(() => parseLvsJson(`{"report":[{"lv":[${row}]}]}`)).details).toMatchObject({
      line: row,
    });
    expect(() => parseLvsJson('{"report":[{"lv":[{"vg_name":"vg","lv_name":"x","lv_size":null}]}]}')).toThrow(
      /no size/,
    );
    expect(() => parseLvsJson('{"report":[{"lv":[{"vg_name":"vg","lv_name":"","lv_size":"1"}]}]}')).toThrow(
      /LV name/,
    );
    expect(() => parseVgsJson('{"report":[{"vg":[{"vg_name":"vg","vg_size":"1"}]}]}')).toThrow(/vg_free/);
  });
});
