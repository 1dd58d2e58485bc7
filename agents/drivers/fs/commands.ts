/**
 * argv builders for filesystems on DRBD devices. Paths are validated (agents/protocol/validation.ts)
 * before they get here; options come before `--` where the tool supports it.
 */

/** `KEY="value"` pairs (TYPE, UUID, LABEL) of a device; exit 2 when it holds no filesystem signature. */
export function blkidArgv(device: string): string[] {
  return ["blkid", "-o", "export", "--", device];
}

/** Automatic repair of what is safe to repair (`-p`); exit codes 0/1 fine, 2 reboot, 4+ needs a human (fsck(8)). */
export function fsckArgv(device: string): string[] {
  return ["fsck", "-p", "--", device];
}

export function mountArgv(device: string, mountPoint: string, fsType?: string): string[] {
  return ["mount", ...(fsType ? ["-t", fsType] : []), "--", device, mountPoint];
}

export function umountArgv(mountPoint: string): string[] {
  return ["umount", "--", mountPoint];
}

/** A new ext4 filesystem; `-F` is not passed, so mke2fs refuses a device that is mounted. */
export function mkfsExt4Argv(device: string, label?: string): string[] {
  return ["mkfs.ext4", "-q", ...(label ? ["-L", label] : []), "--", device];
}

/**
 * A sparse image file of `sizeMiB` MiB: GNU dd writes nothing (count=0) and extends the file to seek= blocks;
 * conv=excl makes it fail ("File exists") rather than touch an existing file, so no image is ever truncated.
 */
export function ddSparseImageArgv(file: string, sizeMiB: number): string[] {
  if (!Number.isSafeInteger(sizeMiB) || sizeMiB <= 0) throw new Error(`bad image size ${sizeMiB}`);
  if (!file.startsWith("/")) throw new Error(`image path must be absolute: ${file}`);
  return [
    "dd",
    "if=/dev/zero",
    `of=${file}`,
    "bs=1M",
    "count=0",
    `seek=${sizeMiB}`,
    "conv=excl",
    "status=none",
  ];
}
