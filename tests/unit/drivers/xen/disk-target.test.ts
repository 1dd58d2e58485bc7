import { describe, expect, it } from "vitest";
import { diskTarget } from "../../../../agents/drivers/xen/disk-target";
import { loadSample } from "../../helpers/fixtures";
import { parseXlCfg } from "../../../../agents/drivers/xen/parse-xl-cfg";

describe("diskTarget", () => {
  it.each([
    ["file:/srv/r1/images/web1.img,xvda,w", "/srv/r1/images/web1.img"],
    ["phy:/dev/drbd1,xvda,w", "/dev/drbd1"],
    ["drbd:r1,xvda,w", "drbd:r1"],
    ["tap:aio:/var/lib/xen/images/a.img,xvda,w", "/var/lib/xen/images/a.img"],
    ["format=raw, vdev=xvda, access=rw, target=/dev/vg/guest", "/dev/vg/guest"],
    ["/dev/vg/guest-volume,raw,xvda,rw", "/dev/vg/guest-volume"],
    [",,hdc:cdrom,r", null],
  ])("%s → %s", (spec, target) => {
    expect(diskTarget(spec)).toBe(target);
  });

  it("reads the disks of Xen's shipped PV example config", () => {
    const cfg = parseXlCfg(loadSample("xen_domu_config.txt", "xlexample.pvlinux"));
    expect(cfg.disks.map(diskTarget)).toEqual(["/dev/vg/guest-volume"]);
  });
});
