import { peerOf, simNowMs, type SimResource, type SimWorld } from "../world";

/** DRBD's resync rate in the simulator: 100 MiB/s, a GbE link's practical ceiling (farm-design.md). */
const DEFAULT_RESYNC_KIBPS = 100 * 1024;
import { ToolExit, type ToolContext } from "./context";

/** Stand-in for `drbdadm`: `--version`, `connect`, `disconnect`, `invalidate` (more verbs come with the full simulator). */
export async function drbdadm(args: string[], ctx: ToolContext): Promise<number> {
  if (args[0] === "--version") {
    const host = ctx.store.read().hosts[ctx.host];
    const utils = host?.versions.drbdUtils ?? "9.22.0";
    const kernel = host?.versions.drbdKernel ?? "9.2.8";
    ctx.out(
      [
        "DRBDADM_BUILDTAG=GIT-hash:\\ 409097fe02187f83790b88ac3e0d94f3c167adab\\ reproducible\\ build\\,\\ 2023-01-09\\ 14:51:18",
        "DRBDADM_API_VERSION=2",
        `DRBD_KERNEL_VERSION_CODE=0x${versionCode(kernel)}`,
        `DRBD_KERNEL_VERSION=${kernel}`,
        `DRBDADM_VERSION_CODE=0x${versionCode(utils)}`,
        `DRBDADM_VERSION=${utils}`,
        "",
      ].join("\n"),
    );
    return 0;
  }
  const [command, name] = args;
  switch (command) {
    case "disconnect":
      ctx.store.update((world) => {
        const { resource, side } = resourceOnHost(world, name, ctx.host);
        const peer = peerOf(resource, ctx.host);
        side.connection = "StandAlone";
        const peerSide = peer === undefined ? undefined : resource.sides[peer];
        if (peerSide?.connection === "Connected") peerSide.connection = "Connecting";
        resource.resync = null;
      });
      return 0;
    case "connect":
      ctx.store.update((world) => {
        const { resource, side } = resourceOnHost(world, name, ctx.host);
        if (side.connection === "Connected") return;
        const peer = peerOf(resource, ctx.host);
        const peerSide = peer === undefined ? undefined : resource.sides[peer];
        if (peerSide?.connection === "Connecting") {
          side.connection = "Connected";
          peerSide.connection = "Connected";
        } else {
          side.connection = "Connecting";
        }
      });
      return 0;
    case "invalidate":
      // Discards this host's data and pulls a full resync from the peer (needs a connected, UpToDate peer).
      ctx.store.update((world) => {
        const { resource, side } = resourceOnHost(world, name, ctx.host);
        const peer = peerOf(resource, ctx.host);
        const peerSide = peer === undefined ? undefined : resource.sides[peer];
        if (
          peer === undefined ||
          !peerSide ||
          side.connection !== "Connected" ||
          peerSide.disk !== "UpToDate"
        ) {
          throw new ToolExit(
            11,
            `${resource.minor}: State change failed: (-15) Need a connection to start verify or resync\n`,
          );
        }
        side.disk = "Inconsistent";
        resource.resync = {
          source: peer,
          target: ctx.host,
          totalKiB: resource.sizeKiB,
          startedAtSimMs: simNowMs(world),
          rateKiBps: DEFAULT_RESYNC_KIBPS,
        };
      });
      return 0;
    default:
      throw new ToolExit(20, `drbdadm: unknown command '${command ?? ""}' (not simulated yet)\n`);
  }
}

function resourceOnHost(world: SimWorld, name: string | undefined, host: string) {
  const resource: SimResource | undefined = name === undefined ? undefined : world.resources[name];
  const side = resource?.sides[host];
  if (!resource || !side)
    throw new ToolExit(10, `'${name ?? ""}' not defined in your config (for this host).\n`);
  return { resource, side };
}

function versionCode(version: string): string {
  return version
    .split(".")
    .map((n) => Number(n).toString(16).padStart(2, "0"))
    .join("")
    .padStart(6, "0");
}
