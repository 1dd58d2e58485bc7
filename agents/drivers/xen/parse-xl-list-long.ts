import { z } from "zod";
import { ParseError } from "../../../lib/errors/app-error";

/*
 * `xl list -l` prints a JSON array with one entry per domain (tools/xl/xl_info.c,
 * printf_info_one_json), `config` being the libxl_domain_config:
 *
 *   [ { "domid": 3, "config": { "c_info": { "type": "pv", "name": "test-pv", ... },
 *                               "b_info": { "max_vcpus": 4, "max_memkb": 524288, "target_memkb": 524288, ... },
 *                               "disks": [ ... ], ... } } ]
 *
 * Only the keys below are read; zod drops the rest. dom0's entry may carry nothing but c_info.
 * When xl.conf sets output_format="sxp", xl prints S-expressions instead: we refuse those loudly.
 */

const TOOL = "xl list -l";

export interface XlLongDomain {
  domId: number;
  name: string;
  maxMemKiB?: number;
  targetMemKiB?: number;
  maxVcpus?: number;
  /** `pdev_path` of each disk (the backing device or file). */
  disks: string[];
}

const ZEntry = z.object({
  domid: z.number().int(),
  config: z.object({
    c_info: z.object({ name: z.string() }),
    b_info: z
      .object({
        max_memkb: z.number().optional(),
        target_memkb: z.number().optional(),
        max_vcpus: z.number().int().optional(),
      })
      .optional(),
    disks: z.array(z.object({ pdev_path: z.string().optional() })).optional(),
  }),
});

export function parseXlListLong(text: string): XlLongDomain[] {
  if (text.trimStart().startsWith("(")) {
    throw new ParseError(TOOL, 'SXP output; set output_format="json" in xl.conf', text.split("\n")[0]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ParseError(
      TOOL,
      `not JSON (${err instanceof Error ? err.message : String(err)})`,
      text.slice(0, 120),
    );
  }
  const parsed = z.array(ZEntry).safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = (issue?.path ?? []).map(String).join(".") || "top level";
    throw new ParseError(TOOL, `unexpected value at ${where}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data.map(({ domid, config: { c_info, b_info, disks } }) => ({
    domId: domid,
    name: c_info.name,
    ...(b_info?.max_memkb === undefined ? {} : { maxMemKiB: b_info.max_memkb }),
    ...(b_info?.target_memkb === undefined ? {} : { targetMemKiB: b_info.target_memkb }),
    ...(b_info?.max_vcpus === undefined ? {} : { maxVcpus: b_info.max_vcpus }),
    disks: (disks ?? []).flatMap((d) => (d.pdev_path ? [d.pdev_path] : [])),
  }));
}
