import { attachedTo, bitmapKiB, freshMetadata } from "../drbd-config";
import { backingDeviceOf, isDrbd8Host, lvOfDevice, type SimLv, type SimWorld } from "../world";
import { ToolExit, type ToolContext } from "./context";

/**
 * Stand-in for `drbdmeta <minor> v09 <device> internal <command> ...`, as drbdadm calls it, on the metadata of the
 * backing device (SimLv.drbdMetadata while no side holds it): `create-md` writes fresh metadata (no data generation:
 * the next connect decides what to sync), `apply-al` checks there is metadata (drbdadm runs it before attach),
 * `outdate` marks it Outdated, `read-dev-uuid`, `write-dev-uuid` and `check-resize` have nothing to do. Messages and
 * exit codes are drbdmeta 9.22's, as it printed them on loop devices: a missing device
 * `open(/dev/vg0/r5) failed: No such file or directory` (20), no metadata `No valid meta data found` (1), metadata
 * the kernel has attached `Device '5' is configured!` (20, drbdmeta.c).
 */
export async function drbdmeta(args: string[], ctx: ToolContext): Promise<number> {
  const [minor = "", , device = "", , command] = args;
  switch (command) {
    case "create-md": {
      const lv = ctx.store.update((world) => {
        const lv = openDevice(world, ctx.host, device);
        if (attachedTo(world, ctx.host, device)) configured(minor);
        if (isDrbd8Host(world, ctx.host) && !usedByAResource(world, ctx.host, device))
          throw new ToolExit(20, "tandem simulator: new resources are not simulated on DRBD 8.4 hosts\n");
        lv.drbdMetadata = freshMetadata();
        return lv;
      });
      ctx.err(`initializing bitmap (${bitmapKiB(lv.sizeBytes)} KB) to all zero\n`);
      ctx.out(
        "initializing activity log\nWriting meta data...\nNew drbd meta data block successfully created.\n",
      );
      return 0;
    }
    case "apply-al": {
      const world = ctx.store.read();
      const lv = openDevice(world, ctx.host, device);
      // Metadata the kernel holds (drbdadm adjust re-attaches what the simulated `show` does not report): nothing to do.
      if (!lv.drbdMetadata && !attachedTo(world, ctx.host, device))
        throw new ToolExit(1, "No valid meta data found\n");
      return 0;
    }
    case "outdate":
      // drbdadm's fallback for a resource that is not up: the mark goes into the metadata.
      ctx.store.update((world) => {
        const lv = openDevice(world, ctx.host, device);
        if (attachedTo(world, ctx.host, device)) configured(minor);
        const md = lv.drbdMetadata;
        if (!md) throw new ToolExit(1, "No valid meta data found\n");
        if (md.disk === "UpToDate" || md.disk === "Consistent") md.disk = "Outdated";
      });
      return 0;
    case "read-dev-uuid":
    case "write-dev-uuid":
    case "check-resize":
      return 0;
    default:
      throw new ToolExit(20, `tandem simulator: drbdmeta ${command ?? ""} is not simulated\n`);
  }
}

/** The LV behind `device`, or drbdmeta's failed open (it opens the device before anything else). */
function openDevice(world: SimWorld, host: string, device: string): SimLv {
  const lv = lvOfDevice(world, host, device);
  if (!lv) throw new ToolExit(20, `open(${device}) failed: No such file or directory\n`);
  return lv;
}

/** drbdmeta works only on metadata the kernel is not using (drbdmeta.c is_attached()). */
function configured(minor: string): never {
  throw new ToolExit(20, `Device '${minor}' is configured!\n`);
}

function usedByAResource(world: SimWorld, host: string, device: string): boolean {
  return Object.values(world.resources).some(
    (r) => r.sides[host] && backingDeviceOf(world, r, host) === device,
  );
}
