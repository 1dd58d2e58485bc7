/**
 * The backing path of an xl/xm diskspec (docs/misc/xl-disk-configuration.txt), e.g.
 *   "file:/srv/r1/images/web1.img,xvda,w" → "/srv/r1/images/web1.img"
 *   "phy:/dev/drbd1,xvda,w" → "/dev/drbd1";  "drbd:r1,xvda,w" → "drbd:r1" (Xen's block-drbd script)
 *   "format=raw, vdev=xvda, access=rw, target=/dev/vg/guest" → "/dev/vg/guest"
 *   "/dev/vg/guest-volume,raw,xvda,rw" → "/dev/vg/guest-volume"
 * Returns null for an empty (CD-ROM) spec.
 */
export function diskTarget(spec: string): string | null {
  const parts = spec.split(",").map((p) => p.trim());
  const keyed = parts.find((p) => p.startsWith("target="));
  const raw = keyed
    ? keyed.slice("target=".length)
    : parts.find((p) => p.includes("/") || p.startsWith("drbd:"));
  if (!raw) return null;
  if (raw.startsWith("drbd:")) return raw;
  // Old-style prefixes: "phy:", "file:", "tap:aio:", "tap2:tapdisk:aio:", "script=…".
  const path = raw.replace(/^(?:(?:phy|file|tap2?|tapdisk|aio|qcow2?|vhd|raw):)+/, "");
  return path === "" ? null : path;
}
