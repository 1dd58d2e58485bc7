import { describe, expect, it } from "vitest";
import { LVS_FIELDS, VGS_FIELDS } from "../../../../agents/drivers/lvm/commands";
import { parseLvsPlain, parseVgsPlain } from "../../../../agents/drivers/lvm/parse-lvm-report";
import { ParseError } from "../../../../lib/errors/app-error";
import { listSamples, loadSample, stripPrompt } from "../../helpers/fixtures";
import { thrownBy } from "../../../helpers/thrown";

const FILE = "lvm_vgs_lvs_plain.txt";
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const TiB = 1024 ** 4;

const parseErrorOf = (fn: () => unknown) => thrownBy(fn, ParseError);

/** Splits a man-page sample holding several "# command" blocks into { command: output }. */
function commandBlocks(text: string): Record<string, string> {
  const blocks: Record<string, string> = {};
  let current: string | undefined;
  for (const line of text.split("\n")) {
    if (line.startsWith("# ")) {
      current = line.slice(2);
      blocks[current] = "";
    } else if (current !== undefined && line !== "") {
      blocks[current] += `${line}\n`;
    }
  }
  return blocks;
}

/** Drops a first line that is a shell prompt ("[root@pcmk-1 ~]# lvs"). */
function dropPromptLine(text: string): string {
  return /^\[.*\][#$] /.test(text) ? text.slice(text.indexOf("\n") + 1) : stripPrompt(text);
}

const GANETI_COLUMNS =
  "lv_uuid,lv_name,lv_attr,lv_major,lv_minor,lv_kernel_major,lv_kernel_minor,lv_size,seg_count,lv_tags," +
  "modules,vg_uuid,vg_name,segtype,seg_start,seg_start_pe,seg_size,seg_tags,seg_pe_ranges,devices";

describe("lvs / vgs plain fixtures", () => {
  it("covers every sample of the fixture file", () => {
    expect(listSamples(FILE)).toEqual([
      "man-default-tables",
      "man-noheadings",
      "ganeti-lvs-units-B-separator",
      "cfs-lvs",
      "ganeti-vgs-missing-pv-2.02.66",
    ]);
  });

  it("man-default-tables: vgs and lvs with headings; lvs --segments and pvs lack the columns we read", () => {
    const blocks = commandBlocks(loadSample(FILE, "man-default-tables"));
    expect(Object.keys(blocks)).toEqual(["pvs", "pvs --segments", "vgs", "lvs", "lvs --segments"]);
    expect(parseVgsPlain(blocks.vgs!)).toEqual({
      groups: [{ vg: "vg", sizeBytes: 200 * MiB, freeBytes: 180 * MiB }],
    });
    expect(parseLvsPlain(blocks.lvs!)).toEqual({
      volumes: [
        { vg: "vg", lv: "lvol0", sizeBytes: 4 * MiB },
        { vg: "vg", lv: "lvol1", sizeBytes: 4 * MiB },
      ],
    });
    const segments = parseErrorOf(() => parseLvsPlain(blocks["lvs --segments"]!));
    expect(segments.details).toMatchObject({ tool: "lvs", line: "  LV    VG Attr       #Str Type   SSize" });
    expect(segments.message).toMatch(/no LSize column/);
    expect(parseErrorOf(() => parseVgsPlain(blocks.pvs!)).details).toMatchObject({
      tool: "vgs",
      line: "  PV         VG Fmt  Attr PSize   PFree",
    });
    expect(() => parseVgsPlain(blocks["pvs --segments"]!)).toThrow(/no VSize column/);
  });

  it("man-noheadings: compacted lvs (lv_name,lv_size,copy_percent), read with its -o list", () => {
    const text = stripPrompt(loadSample(FILE, "man-noheadings"));
    expect(parseLvsPlain(text, ["lv_name", "lv_size", "copy_percent"], { vg: "vg" })).toEqual({
      volumes: [
        { vg: "vg", lv: "lvol1", sizeBytes: 4 * MiB },
        { vg: "vg", lv: "lvol0", sizeBytes: 4 * MiB },
      ],
    });
    expect(parseLvsPlain(text, "name,size,copy_percent").volumes.map((v) => v.vg)).toEqual(["", ""]);
    // With LVM's default columns the second field would be the VG and there is no size: refused.
    expect(parseErrorOf(() => parseLvsPlain(text)).details).toMatchObject({ line: "  lvol1 4.00m 100.00" });
  });

  it("ganeti-lvs-units-B-separator: 20 ';'-separated columns, sizes with a B suffix", () => {
    const text = loadSample(FILE, "ganeti-lvs-units-B-separator");
    const expected = {
      volumes: [
        { vg: "xenvg", lv: "df9ff3f6-a833-48ff-8bd5-bff2eaeab759.disk0_data", sizeBytes: 1073741824 },
        { vg: "xenvg", lv: "df9ff3f6-a833-48ff-8bd5-bff2eaeab759.disk0_meta", sizeBytes: 134217728 },
      ],
    };
    expect(parseLvsPlain(text, GANETI_COLUMNS.split(","))).toEqual(expected);
    expect(parseLvsPlain(text, GANETI_COLUMNS, { separator: ";" })).toEqual(expected);
    // The row has 20 fields: a shorter -o list does not fit.
    expect(parseErrorOf(() => parseLvsPlain(text, ["lv_uuid", "lv_name", "lv_size"])).message).toMatch(
      /expected 3 fields/,
    );
  });

  it("cfs-lvs: real AlmaLinux table, empty trailing columns padded with spaces", () => {
    expect(parseLvsPlain(dropPromptLine(loadSample(FILE, "cfs-lvs")))).toEqual({
      volumes: [
        { vg: "almalinux_pcmk-1", lv: "drbd-demo", sizeBytes: 512 * MiB },
        { vg: "almalinux_pcmk-1", lv: "root", sizeBytes: 4 * GiB },
        { vg: "almalinux_pcmk-1", lv: "swap", sizeBytes: 2 * GiB },
      ],
    });
  });

  it("ganeti-vgs-missing-pv-2.02.66: the 'Couldn't find device' warning is skipped, partial VG read", () => {
    expect(parseVgsPlain(loadSample(FILE, "ganeti-vgs-missing-pv-2.02.66"))).toEqual({
      groups: [{ vg: "xenvg", sizeBytes: Math.round(1.31 * TiB), freeBytes: Math.round(1.07 * TiB) }],
    });
    expect(Math.round(1.31 * TiB)).toBe(1440360232387);
  });
});

describe("parseLvsPlain / parseVgsPlain", () => {
  it("reads what lvsPlain() / vgsPlain() ask for", () => {
    const lvs =
      "  xenvg|vm1.disk0|10737418240|-wi-ao----|/dev/xenvg/vm1.disk0\n  xenvg|swap|0|-wi-a-----|/dev/xenvg/swap\n";
    expect(parseLvsPlain(lvs, LVS_FIELDS)).toEqual({
      volumes: [
        { vg: "xenvg", lv: "vm1.disk0", sizeBytes: 10737418240 },
        { vg: "xenvg", lv: "swap", sizeBytes: 0 },
      ],
    });
    expect(parseVgsPlain("  xenvg|1000204886016|966770786304\n", VGS_FIELDS)).toEqual({
      groups: [{ vg: "xenvg", sizeBytes: 1000204886016, freeBytes: 966770786304 }],
    });
  });

  it("skips a pasted prompt line above the output", () => {
    expect(parseLvsPlain(loadSample(FILE, "cfs-lvs")).volumes.map((v) => v.lv)).toEqual([
      "drbd-demo",
      "root",
      "swap",
    ]);
    expect(
      parseVgsPlain(
        "# vgs\n  VG #PV #LV #SN Attr   VSize   VFree\n  vg   2   2   0 wz--n- 200.00m 180.00m\n",
      ),
    ).toEqual({
      groups: [{ vg: "vg", sizeBytes: 200 * MiB, freeBytes: 180 * MiB }],
    });
  });

  it("reads `--units b --nosuffix` tables with headings, and without a VG column", () => {
    const text = "  LV    LSize   Cpy%Sync\n  lvol1 4194304 100.00\n  lvol0 4194304\n";
    expect(parseLvsPlain(text, undefined, { vg: "vg" })).toEqual({
      volumes: [
        { vg: "vg", lv: "lvol1", sizeBytes: 4194304 },
        { vg: "vg", lv: "lvol0", sizeBytes: 4194304 },
      ],
    });
  });

  it("cuts padded columns at the headings, so empty cells stay empty (Origin before LSize)", () => {
    const text = [
      "  LV    VG Origin LSize  ",
      "  snap  vg lvol0  4.00m",
      "  lvol0 vg        40.00m",
      "",
    ].join("\n");
    expect(parseLvsPlain(text).volumes).toEqual([
      { vg: "vg", lv: "snap", sizeBytes: 4 * MiB },
      { vg: "vg", lv: "lvol0", sizeBytes: 40 * MiB },
    ]);
  });

  it("keeps two-word headings whole (LV UUID before LV)", () => {
    const text = [
      "  LV UUID                                LV    VG LSize",
      "  nhasjL-cnZi-uqLS-WRLj-tkXI-nvCB-n0o2lj lvol0 vg 4.00m",
      "",
    ].join("\n");
    expect(parseLvsPlain(text).volumes).toEqual([{ vg: "vg", lv: "lvol0", sizeBytes: 4 * MiB }]);
    const tags = "  LV Tags LV    VG LSize\n          lvol0 vg 4.00m\n";
    expect(parseLvsPlain(tags).volumes).toEqual([{ vg: "vg", lv: "lvol0", sizeBytes: 4 * MiB }]);
  });

  it("reads headings with --separator, and --nameprefixes", () => {
    expect(
      parseVgsPlain("  VG|#PV|#LV|#SN|Attr|VSize|VFree\n  vg|2|2|0|wz--n-|209715200|188743680\n"),
    ).toEqual({
      groups: [{ vg: "vg", sizeBytes: 200 * MiB, freeBytes: 180 * MiB }],
    });
    const prefixed =
      "  LVM2_LV_NAME='lvol1' LVM2_VG_NAME='vg' LVM2_LV_SIZE='4.00m' LVM2_COPY_PERCENT='100.00'\n" +
      "  LVM2_LV_NAME=lvol0 LVM2_VG_NAME=vg LVM2_LV_SIZE=4194304 LVM2_COPY_PERCENT=\n";
    expect(parseLvsPlain(prefixed).volumes).toEqual([
      { vg: "vg", lv: "lvol1", sizeBytes: 4 * MiB },
      { vg: "vg", lv: "lvol0", sizeBytes: 4 * MiB },
    ]);
    expect(() => parseLvsPlain("  LVM2_LV_NAME='lvol1' junk\n")).toThrow(/LVM2_FIELD=value/);
  });

  it("reads the other lvmreport(7) layouts: ' | ' separator, --aligned, -o+lv_tags, --headings full", () => {
    const sizes = [
      { vg: "", lv: "lvol1", sizeBytes: 4 * MiB },
      { vg: "", lv: "lvol0", sizeBytes: 4 * MiB },
    ];
    expect(
      parseLvsPlain("  LV | LSize | Cpy%Sync\n  lvol1 | 4.00m | 100.00\n  lvol0 | 4.00m |\n").volumes,
    ).toEqual(sizes);
    expect(
      parseLvsPlain("  LV    | LSize | Cpy%Sync\n  lvol1 | 4.00m | 100.00\n  lvol0 | 4.00m |\n").volumes,
    ).toEqual(sizes);
    const tags = "  LV    LSize Cpy%Sync LV Tags\n  lvol1 4.00m 100.00\n  lvol0 4.00m          tagA,tagB\n";
    expect(parseLvsPlain(tags).volumes).toEqual(sizes);
    const full = [
      "  lv_name vg_name lv_size copy_percent seg_start seg_start_pe",
      "  lvol0   vg        4.00m                     0             0",
      "  lvol1   vg        4.00m 100.00              0             0",
      "",
    ].join("\n");
    expect(parseLvsPlain(full).volumes).toEqual([
      { vg: "vg", lv: "lvol0", sizeBytes: 4 * MiB },
      { vg: "vg", lv: "lvol1", sizeBytes: 4 * MiB },
    ]);
    const prefixed =
      "  LVM2_LV_NAME=lvol1 | LVM2_LV_SIZE=4.00m | LVM2_COPY_PERCENT=100.00\n" +
      "  LVM2_LV_NAME=lvol0 | LVM2_LV_SIZE=4.00m | LVM2_COPY_PERCENT=\n";
    expect(parseLvsPlain(prefixed).volumes).toEqual(sizes);
  });

  it("uses LVM's default columns for --noheadings without a column list", () => {
    expect(parseVgsPlain("  xenvg   1   2   0 wz--n- 20.00g <4.50g\n")).toEqual({
      groups: [{ vg: "xenvg", sizeBytes: 20 * GiB, freeBytes: 4.5 * GiB }],
    });
    expect(parseLvsPlain("  lvol1 vg rwi-a-r--- 4.00m                      100.00\n").volumes).toEqual([
      { vg: "vg", lv: "lvol1", sizeBytes: 4 * MiB },
    ]);
  });

  it("skips LVM's warnings; a VG that cannot be read is simply absent", () => {
    const text = [
      "  Couldn't find device with uuid 'gg4cmC-4lrT-EN1v-39OA-6S2b-6eEI-wWlJJJ'.",
      "  Couldn't find all physical volumes for volume group xenvg.",
      "  Volume group xenvg not found",
      "  WARNING: Device for PV gg4cmC-4lrT-EN1v-39OA-6S2b-6eEI-wWlJJJ not found or rejected by a filter.",
      "  File descriptor 3 (/dev/pts/0) leaked on vgs invocation. Parent PID 1: bash",
      "",
    ].join("\n");
    expect(parseVgsPlain(text)).toEqual({ groups: [] });
    expect(parseVgsPlain("")).toEqual({ groups: [] });
    expect(parseLvsPlain("  LV    VG Attr       LSize\n")).toEqual({ volumes: [] });
  });

  it.each([
    ["  xenvg   2  52   0 wz-pn- 1.31x 1.07t", /unknown size unit/],
    ["  xenvg   2  52   0 wz-pn- 1,31t 1.07t", /unreadable size/],
    ["  xenvg   2  52   0 wz-pn- 1.31t", /unreadable size/],
    ["  xenvg   2  52   0 wz-pn- 1.31t 1.07t extra", /more than 7 fields/],
    ["Wrote out consistent volume group xenvg", /unreadable size/],
  ])("throws ParseError naming the line %j", (line, message) => {
    const err = parseErrorOf(() => parseVgsPlain(`${line}\n`));
    expect(err.details).toMatchObject({ tool: "vgs", line });
    expect(err.message).toMatch(message);
  });

  it("refuses a '|' row with the wrong number of fields", () => {
    expect(parseErrorOf(() => parseLvsPlain("  xenvg|vm1|1024\n", LVS_FIELDS)).details).toMatchObject({
      line: "  xenvg|vm1|1024",
    });
  });
});
