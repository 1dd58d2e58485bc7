import { AppError } from "../../../lib/errors/app-error";

/*
 * argv builders for LVM2. Commands are data: never join these into a shell string. The executor runs
 * them with LC_ALL=C (decimal point, English messages); that is its job, not this file's.
 *
 * Reports ask for machine-readable output (style rule 3):
 * - `--reportformat json` (LVM2 2.02.158 and later): {"report":[{"lv":[{"lv_name":"x", ...}]}]}, every value a
 *   string; parseLvsJson / parseVgsJson (which also read json_std, where numbers are numbers);
 * - the plain fallback for older LVM2: `--noheadings --separator | -o <fields>`, one row per line.
 * Both with `--units b --nosuffix`: sizes in whole bytes, no "<" rounding marker, no unit letter.
 *
 * Names are checked against lvm(8) "VALID NAMES": a-z A-Z 0-9 + _ . -, not starting with "-", not "."
 * or "..", at most 127 characters. LVM refuses more (reserved prefixes such as "snapshot", "pvmove" and
 * suffixes such as "_mlog", "_rimage"); those refusals come back as its own error.
 */

/** Fields of the LV report, in order: the columns parseLvsPlain needs for lvsPlain(). */
export const LVS_FIELDS = ["vg_name", "lv_name", "lv_size", "lv_attr", "lv_path"] as const;
/** Fields of the VG report, in order: the columns parseVgsPlain needs for vgsPlain(). */
export const VGS_FIELDS = ["vg_name", "vg_size", "vg_free"] as const;

const BYTES = ["--units", "b", "--nosuffix"];
const PLAIN = ["--noheadings", ...BYTES, "--separator", "|"];

/** LVs of every VG, or of `vg` only, as a JSON report. */
export function lvsJson(vg?: string): string[] {
  return ["lvs", "--reportformat", "json", ...BYTES, "-o", LVS_FIELDS.join(","), ...vgArg(vg)];
}

/** VGs (all, or `vg` only) with size and free space, as a JSON report. */
export function vgsJson(vg?: string): string[] {
  return ["vgs", "--reportformat", "json", ...BYTES, "-o", VGS_FIELDS.join(","), ...vgArg(vg)];
}

/** Same fields as lvsJson, one `|`-separated row per LV, for LVM2 without JSON reports. */
export function lvsPlain(vg?: string): string[] {
  return ["lvs", ...PLAIN, "-o", LVS_FIELDS.join(","), ...vgArg(vg)];
}

/** Same fields as vgsJson, one `|`-separated row per VG. */
export function vgsPlain(vg?: string): string[] {
  return ["vgs", ...PLAIN, "-o", VGS_FIELDS.join(","), ...vgArg(vg)];
}

/**
 * Create LV `name` of `sizeBytes` bytes in `vg`. lvcreate(8): `-L|--size Size[m|UNIT]`, where the UNIT
 * "b|B is bytes" (older pages spell it `-L LogicalVolumeSize[bBsSkKmMgGtTpPeE]`; the oldest list only
 * [kKmMgGtT], so this needs an LVM2 that knows the b suffix).
 * LVM rounds the size UP to a whole number of extents (4 MiB by default) and says "Rounding up size to
 * full physical extent". `--yes` answers lvcreate's prompts (e.g. "WARNING: ext4 signature detected on
 * ... Wipe it? [y/n]") instead of hanging on a closed stdin.
 */
export function lvcreate(vg: string, name: string, sizeBytes: number): string[] {
  checkName("vg", vg);
  checkName("name", name);
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0) {
    throw new AppError("VALIDATION_FAILED", `bad LV size ${sizeBytes} bytes`, {
      details: { field: "sizeBytes", rule: "positive-integer" },
    });
  }
  return ["lvcreate", "--yes", "-n", name, "-L", `${sizeBytes}b`, vg];
}

/** Remove LV `vg/name`; `--yes` answers "Do you really want to remove active logical volume?". */
export function lvremove(vg: string, name: string): string[] {
  checkName("vg", vg);
  checkName("name", name);
  return ["lvremove", "--yes", `${vg}/${name}`];
}

function vgArg(vg: string | undefined): string[] {
  if (vg === undefined) return [];
  checkName("vg", vg);
  return [vg];
}

function checkName(field: string, value: string): void {
  if (!/^[A-Za-z0-9+_.][A-Za-z0-9+_.-]{0,126}$/.test(value) || value === "." || value === "..") {
    throw new AppError("VALIDATION_FAILED", `invalid LVM name ${JSON.stringify(value)}`, {
      details: { field, rule: "lvm-name" },
    });
  }
}
