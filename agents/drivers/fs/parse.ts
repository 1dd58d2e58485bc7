import { ParseError } from "../../../lib/errors/app-error";

export interface MountEntry {
  device: string;
  mountPoint: string;
  fsType: string;
  options: string[];
}

/** /proc/mounts decodes spaces, tabs, newlines and backslashes as octal escapes (\040 ...). */
function unescapeMount(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/**
 * `/proc/mounts` (or /proc/self/mounts), e.g.
 *   /dev/drbd1 /srv/r1 ext3 rw,relatime,data=ordered 0 0
 */
export function parseProcMounts(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const fields = line.split(" ");
    if (fields.length !== 6) throw new ParseError("/proc/mounts", "expected 6 fields", line);
    const [device, mountPoint, fsType, options] = fields as [string, string, string, string];
    entries.push({
      device: unescapeMount(device),
      mountPoint: unescapeMount(mountPoint),
      fsType,
      options: options.split(","),
    });
  }
  return entries;
}

/**
 * `blkid -o export`:
 *   DEVNAME=/dev/drbd1
 *   UUID=0b6f...
 *   TYPE=ext4
 */
export function parseBlkidExport(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (!m) throw new ParseError("blkid", "expected KEY=value", line);
    values[m[1]!] = m[2]!.replace(/\\(.)/g, "$1");
  }
  return values;
}
