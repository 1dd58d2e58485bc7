/**
 * Entry point of the simulated farm's stand-in tools. Installed as `drbdsetup`, `drbdadm` and `xl`
 * in a simulated host's PATH (see agents/sim/bin.ts); reads TANDEM_SIM_WORLD and TANDEM_SIM_HOST.
 */
import { WorldStore } from "../store";
import { ToolExit, type ToolContext } from "./context";
import { drbdadm } from "./drbdadm";
import { drbdmeta } from "./drbdmeta";
import { blkid, dd, fsck, mkfsExt4, mount, umount } from "./fs";
import { lvcreate, lvremove, lvs, vgs } from "./lvm";
import { drbdsetup } from "./drbdsetup";
import { fenceIpmilan } from "./fence";
import { ip } from "./ip";
import { virsh } from "./virsh";
import { xl, xm } from "./xl";

const TOOLS: Record<string, (args: string[], ctx: ToolContext) => Promise<number>> = {
  drbdsetup,
  drbdadm,
  drbdmeta,
  xl,
  xm,
  virsh,
  mount,
  umount,
  fsck,
  blkid,
  "mkfs.ext4": mkfsExt4,
  dd,
  lvs,
  vgs,
  lvcreate,
  lvremove,
  ip,
};

const TOOLSTACKS: Record<string, string> = { xl: "xen-xl", xm: "xen-xm", virsh: "libvirt" };

async function main(): Promise<number> {
  const [tool, ...args] = process.argv.slice(2);
  const run = tool === undefined ? undefined : TOOLS[tool];
  const worldDir = process.env.TANDEM_SIM_WORLD;
  const host = process.env.TANDEM_SIM_HOST;
  process.stdout.on("error", () => process.exit(0)); // reader went away (EPIPE), as a real tool would die
  // The fence agent runs on the panel's machine and talks to a host's management controller: no host of its own.
  if (tool === "fence_ipmilan" && worldDir)
    return withToolExit(() => fenceIpmilan(args, new WorldStore(worldDir), (t) => process.stdout.write(t)));
  if (!run || !worldDir || !host) {
    process.stderr.write(
      "tandem simulator: usage: sim-tools <drbdsetup|drbdadm|xl> ... (with TANDEM_SIM_WORLD and TANDEM_SIM_HOST set)\n",
    );
    return 2;
  }
  const ctx: ToolContext = {
    host,
    store: new WorldStore(worldDir),
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  };
  // The host's own state decides whether the tool runs at all: off, or a hang/slow fault on this tool.
  const self = ctx.store.read().hosts[host];
  if (self?.power === "off") {
    process.stderr.write(`tandem simulator: ${host} is powered off\n`);
    return 255;
  }
  // Each host has one toolstack: xl on an xl host, xm on an xend host, virsh on a libvirt host.
  const toolstack = TOOLSTACKS[tool!];
  if (self && toolstack && toolstack !== self.hypervisor) {
    process.stderr.write(`sh: 1: ${tool}: not found\n`);
    return 127;
  }
  const fault = self?.toolFaults[tool!];
  if (fault?.mode === "hang") await new Promise(() => setInterval(() => undefined, 60_000));
  if (fault?.mode === "slow") await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
  return withToolExit(() => run(args, ctx));
}

/** A stand-in's ToolExit becomes the real tool's stderr and exit code. */
async function withToolExit(run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ToolExit) {
      process.stderr.write(err.stderr);
      return err.exitCode;
    }
    throw err;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `tandem simulator: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 70;
  },
);
