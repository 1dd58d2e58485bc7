import { createMetadata } from "../drbd-kernel";
import { ToolExit, type ToolContext } from "./context";

/**
 * Stand-in for `drbdmeta <minor> v09 <device> internal <command> ...`, as drbdadm calls it: `create-md` gives the
 * host's side fresh metadata (no data generation: the next connect syncs fully); `apply-al`, `read-dev-uuid`,
 * `write-dev-uuid` and `check-resize` have nothing to do on the simulated disk; `outdate` marks the side Outdated.
 */
export async function drbdmeta(args: string[], ctx: ToolContext): Promise<number> {
  const [minor, , , , command] = args;
  switch (command) {
    case "create-md":
      ctx.store.update((world) => {
        const resource = Object.values(world.resources).find((r) => String(r.minor) === minor);
        if (!resource?.sides[ctx.host]) throw new ToolExit(20, `${minor ?? ""}: no such simulated device\n`);
        createMetadata(resource, ctx.host);
      });
      ctx.out(
        "initializing activity log\ninitializing bitmap (16 KB) to all zero\nWriting meta data...\nNew drbd meta data block successfully created.\n",
      );
      return 0;
    case "outdate":
      // drbdadm's fallback for a resource that is not up: the mark goes into the metadata.
      ctx.store.update((world) => {
        const resource = Object.values(world.resources).find((r) => String(r.minor) === minor);
        const side = resource?.sides[ctx.host];
        if (!side) throw new ToolExit(20, `${minor ?? ""}: no such simulated device\n`);
        // drbdmeta works only on metadata the kernel is not using (drbdmeta.c is_attached()).
        if (side.up) throw new ToolExit(20, `Device '${minor ?? ""}' is configured!\n`);
        if (side.disk === "UpToDate" || side.disk === "Consistent") side.disk = "Outdated";
      });
      return 0;
    case "apply-al":
    case "read-dev-uuid":
    case "write-dev-uuid":
    case "check-resize":
      return 0;
    default:
      throw new ToolExit(20, `tandem simulator: drbdmeta ${command ?? ""} is not simulated\n`);
  }
}
