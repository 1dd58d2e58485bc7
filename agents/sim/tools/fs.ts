/**
 * Stand-ins for the filesystem tools on a simulated host's DRBD devices (/dev/drbdN, /dev/drbd/by-res/<res>/0):
 * mount, umount, fsck, blkid, mkfs.ext4, with util-linux 2.38 / e2fsprogs 1.47 messages and exit codes. A DRBD
 * device can be opened only where it is Primary (a Secondary answers EMEDIUMTYPE, "Wrong medium type").
 */
import { openerOf, sideOf } from "../drbd-kernel";
import { hasDevice, type SimResource, type SimWorld } from "../world";
import { ToolExit, type ToolContext } from "./context";

const DMESG = "       dmesg(1) may have more information after failed mount system call.\n";
const FSCK_BANNER = "fsck from util-linux 2.38.1\n";

function deviceResource(world: SimWorld, host: string, device: string | undefined): SimResource | undefined {
  const minor = /^\/dev\/drbd(\d+)$/.exec(device ?? "")?.[1];
  const byRes = /^\/dev\/drbd\/by-res\/([^/]+)(?:\/0)?$/.exec(device ?? "")?.[1];
  // The device exists where the resource is configured with its minor (new-resources too: found by minor).
  return Object.values(world.resources).find(
    (r) => hasDevice(r, host) && (String(r.minor) === minor || r.name === byRes),
  );
}

function positional(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      out.push(...args.slice(i + 1));
      break;
    }
    if (a === "-t" || a === "-o" || a === "-L") i++;
    else if (!a.startsWith("-")) out.push(a);
  }
  return out;
}

export async function mount(args: string[], ctx: ToolContext): Promise<number> {
  const [device, target] = positional(args);
  if (!device || !target)
    throw new ToolExit(1, "mount: bad usage\nTry 'mount --help' for more information.\n");
  ctx.store.update((world) => {
    const resource = deviceResource(world, ctx.host, device);
    if (!resource)
      throw new ToolExit(32, `mount: ${target}: special device ${device} does not exist.\n${DMESG}`);
    const side = sideOf(resource, ctx.host);
    if (side.mounted)
      throw new ToolExit(
        32,
        `mount: ${target}: ${device} already mounted on ${side.mountedOn ?? target}.\n${DMESG}`,
      );
    if (side.role !== "Primary") throw new ToolExit(32, `mount: ${target}: wrong medium type.\n${DMESG}`);
    if (!resource.fs || (side.disk === "Inconsistent" && !peerUpToDate(resource, ctx.host)))
      throw new ToolExit(
        32,
        `mount: ${target}: wrong fs type, bad option, bad superblock on ${device}, missing codepage or helper program, or other error.\n${DMESG}`,
      );
    side.mounted = true;
    side.mountedOn = target;
    resource.mountPoint ??= target; // a new resource's: where its filesystem is first mounted
    // ext4 replays its journal on mount; the filesystem is clean again once it is unmounted cleanly.
  });
  return 0;
}

function peerUpToDate(resource: SimResource, host: string): boolean {
  return Object.entries(resource.sides).some(
    ([h, s]) => h !== host && s.disk === "UpToDate" && sideOf(resource, host).connection === "Connected",
  );
}

export async function umount(args: string[], ctx: ToolContext): Promise<number> {
  const [target] = positional(args);
  ctx.store.update((world) => {
    const resource = Object.values(world.resources).find((r) => r.sides[ctx.host]?.mountedOn === target);
    if (!resource) throw new ToolExit(32, `umount: ${target ?? ""}: not mounted.\n`);
    const side = sideOf(resource, ctx.host);
    side.mounted = false;
    if (openerOf(world, resource, ctx.host)) {
      side.mounted = true;
      throw new ToolExit(32, `umount: ${target ?? ""}: target is busy.\n`);
    }
    side.mountedOn = null;
    if (resource.fs) resource.fs.clean = true;
  });
  return 0;
}

export async function fsck(args: string[], ctx: ToolContext): Promise<number> {
  const [device] = positional(args);
  ctx.out(FSCK_BANNER);
  return ctx.store.update((world) => {
    const resource = deviceResource(world, ctx.host, device);
    if (!resource)
      throw new ToolExit(8, `fsck.ext4: No such file or directory while trying to open ${device ?? ""}\n`);
    const side = sideOf(resource, ctx.host);
    if (side.role !== "Primary")
      throw new ToolExit(
        8,
        `fsck.ext4: Wrong medium type while trying to open ${device ?? ""}\n${device ?? ""}: \n`,
      );
    if (side.mounted)
      throw new ToolExit(8, `${device ?? ""} is mounted.\ne2fsck: Cannot continue, aborting.\n\n\n`);
    if (!resource.fs)
      throw new ToolExit(
        8,
        `fsck.ext4: Bad magic number in super-block while trying to open ${device ?? ""}\n`,
      );
    const blocks = Math.floor(resource.sizeKiB / 4);
    if (resource.fs.clean) {
      ctx.out(
        `${device}: clean, 11/${Math.floor(blocks / 4)} files, ${Math.floor(blocks / 50)}/${blocks} blocks\n`,
      );
      return 0;
    }
    // After a crash: the journal is replayed and orphan inodes cleared; e2fsck -p reports "errors corrected".
    resource.fs.clean = true;
    ctx.out(
      `${device}: recovering journal\n${device}: Clearing orphaned inode 131074 (uid=0, gid=0, mode=0100600, size=0)\n` +
        `${device}: 12/${Math.floor(blocks / 4)} files (0.0% non-contiguous), ${Math.floor(blocks / 50)}/${blocks} blocks\n`,
    );
    return 1;
  });
}

export async function blkid(args: string[], ctx: ToolContext): Promise<number> {
  const [device] = positional(args);
  const world = ctx.store.read();
  const resource = deviceResource(world, ctx.host, device);
  // blkid cannot open a Secondary DRBD device and then finds nothing, as for a device without a signature.
  if (!resource?.fs || sideOf(resource, ctx.host).role !== "Primary") return 2;
  const { uuid, label } = resource.fs;
  ctx.out(`DEVNAME=${device}\n${label ? `LABEL=${label}\n` : ""}UUID=${uuid}\nBLOCK_SIZE=4096\nTYPE=ext4\n`);
  return 0;
}

export async function mkfsExt4(args: string[], ctx: ToolContext): Promise<number> {
  const labelAt = args.indexOf("-L");
  const label = labelAt >= 0 ? (args[labelAt + 1] ?? null) : null;
  const [device] = positional(args);
  ctx.store.update((world) => {
    const resource = deviceResource(world, ctx.host, device);
    if (!resource)
      throw new ToolExit(1, `mke2fs: No such file or directory while trying to determine filesystem size\n`);
    const side = sideOf(resource, ctx.host);
    if (side.role !== "Primary")
      throw new ToolExit(1, `mke2fs: Wrong medium type while trying to determine filesystem size\n`);
    if (side.mounted)
      throw new ToolExit(
        1,
        `${device ?? ""} contains a ext4 file system\n\tlast mounted on ${side.mountedOn ?? "/"}\nmke2fs: ${device ?? ""} is apparently in use by the system; will not make a filesystem here!\n`,
      );
    world.nextGen += 1;
    const n = world.nextGen.toString(16).padStart(8, "0");
    delete resource.images;
    resource.fs = { type: "ext4", uuid: `${n}-7e57-4a11-8f00-${n}${n.slice(0, 4)}`, label, clean: true };
  });
  return 0;
}

/**
 * GNU dd, as the agent runs it to make a sparse image (`if=/dev/zero of=<file> bs=1M count=0 seek=<MiB>
 * conv=excl status=none`): the file can only be made in the top directory of a DRBD filesystem mounted on this
 * host (anything else is not simulated), and conv=excl refuses one that exists, with coreutils' messages.
 */
export async function dd(args: string[], ctx: ToolContext): Promise<number> {
  const operands = new Map(
    args.map((a) => {
      const eq = a.indexOf("=");
      if (eq < 0)
        throw new ToolExit(1, `dd: unrecognized operand '${a}'\nTry 'dd --help' for more information.\n`);
      return [a.slice(0, eq), a.slice(eq + 1)] as const;
    }),
  );
  const file = operands.get("of");
  const seek = /^\d+$/.test(operands.get("seek") ?? "") ? Number(operands.get("seek")) : NaN;
  if (
    operands.get("if") !== "/dev/zero" ||
    file === undefined ||
    operands.get("bs") !== "1M" ||
    operands.get("count") !== "0" ||
    !Number.isSafeInteger(seek) ||
    operands.get("conv") !== "excl"
  )
    throw new ToolExit(
      1,
      "tandem simulator: only `dd if=/dev/zero of=<file> bs=1M count=0 seek=<MiB> conv=excl` is simulated\n",
    );
  const slash = file.lastIndexOf("/");
  const dir = file.slice(0, slash);
  const name = file.slice(slash + 1);
  ctx.store.update((world) => {
    const resource = Object.values(world.resources).find((r) => {
      const side = r.sides[ctx.host];
      return !!side?.mounted && side.mountedOn === dir;
    });
    if (!resource || name === "")
      throw new ToolExit(1, `dd: failed to open '${file}': No such file or directory\n`);
    const images = (resource.images ??= {});
    if (images[name] !== undefined) throw new ToolExit(1, `dd: failed to open '${file}': File exists\n`);
    images[name] = seek;
  });
  return 0;
}
