/** argv builders for the Xen toolstacks (`xl`, and the older `xm` where it prints the same tables). */

export type XenTool = "xl" | "xm";

/** The domain table: `Name ID Mem VCPUs State Time(s)`. */
export function xlListArgv(tool: XenTool = "xl"): string[] {
  return [tool, "list"];
}

/** JSON array of `{ domid, config }` (needs xl's default output_format="json"; xm prints SXP instead). */
export function xlListLongArgv(): string[] {
  return ["xl", "list", "-l"];
}

/** Host facts as `key : value` lines. */
export function xlInfoArgv(tool: XenTool = "xl"): string[] {
  return [tool, "info"];
}
