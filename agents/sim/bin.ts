import fs from "node:fs";
import path from "node:path";
import { quoteArgv } from "../../lib/transport/quote";

export const STAND_IN_TOOLS = [
  "drbdsetup",
  "drbdadm",
  "drbdmeta",
  "xl",
  "xm",
  "virsh",
  "mount",
  "umount",
  "fsck",
  "blkid",
  "mkfs.ext4",
  "dd",
  "lvs",
  "vgs",
  "lvcreate",
  "lvremove",
  "ip",
  // The panel's fence agent (it runs on the panel's machine, not on a simulated host).
  "fence_ipmilan",
] as const;

/**
 * Writes the stand-in tools (`drbdsetup`, `drbdadm`, `xl`) for simulated hosts into `<simDir>/bin`.
 * Each is a two-line sh wrapper around the bundled simulator (agents/dist/sim-tools.js). Returns the bin dir,
 * to be put first on a simulated agent's PATH.
 */
export function writeStandInTools(
  simDir: string,
  simToolsBundle: string,
  nodePath: string = process.execPath,
): string {
  const bin = path.join(simDir, "bin");
  fs.mkdirSync(bin, { recursive: true });
  for (const tool of STAND_IN_TOOLS) {
    const file = path.join(bin, tool);
    fs.writeFileSync(file, `#!/bin/sh\nexec ${quoteArgv([nodePath, simToolsBundle, tool])} "$@"\n`, {
      mode: 0o755,
    });
  }
  return bin;
}
