import { describe, expect, it } from "vitest";
import {
  blkidArgv,
  fsckArgv,
  mkfsExt4Argv,
  mountArgv,
  umountArgv,
} from "../../../../agents/drivers/fs/commands";
import { parseBlkidExport, parseProcMounts } from "../../../../agents/drivers/fs/parse";
import { ParseError } from "../../../../lib/errors/app-error";

describe("fs argv", () => {
  it("puts paths after --", () => {
    expect(blkidArgv("/dev/drbd1")).toEqual(["blkid", "-o", "export", "--", "/dev/drbd1"]);
    expect(fsckArgv("/dev/drbd1")).toEqual(["fsck", "-p", "--", "/dev/drbd1"]);
    expect(mountArgv("/dev/drbd1", "/srv/r1", "ext3")).toEqual([
      "mount",
      "-t",
      "ext3",
      "--",
      "/dev/drbd1",
      "/srv/r1",
    ]);
    expect(mountArgv("/dev/drbd1", "/srv/r1")).toEqual(["mount", "--", "/dev/drbd1", "/srv/r1"]);
    expect(umountArgv("/srv/r1")).toEqual(["umount", "--", "/srv/r1"]);
    expect(mkfsExt4Argv("/dev/drbd5", "r5")).toEqual(["mkfs.ext4", "-q", "-L", "r5", "--", "/dev/drbd5"]);
  });
});

describe("parseProcMounts", () => {
  it("reads the fields and decodes octal escapes", () => {
    // captured from this machine's /proc/mounts format (Linux 6.x), with a DRBD line added
    const text =
      "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n/dev/drbd1 /srv/r1 ext3 rw,relatime 0 0\n/dev/sdb1 /mnt/with\\040space ext4 ro 0 0\n";
    expect(parseProcMounts(text)).toEqual([
      {
        device: "proc",
        mountPoint: "/proc",
        fsType: "proc",
        options: ["rw", "nosuid", "nodev", "noexec", "relatime"],
      },
      { device: "/dev/drbd1", mountPoint: "/srv/r1", fsType: "ext3", options: ["rw", "relatime"] },
      { device: "/dev/sdb1", mountPoint: "/mnt/with space", fsType: "ext4", options: ["ro"] },
    ]);
  });
  it("refuses a malformed line, naming it", () => {
    expect(() => parseProcMounts("/dev/drbd1 /srv/r1\n")).toThrow(ParseError);
    expect(() => parseProcMounts("/dev/drbd1 /srv/r1\n")).toThrow(/\/dev\/drbd1 \/srv\/r1/);
  });
  it("reads the real /proc/mounts of this machine", async () => {
    const fs = await import("node:fs");
    expect(parseProcMounts(fs.readFileSync("/proc/mounts", "utf8")).some((m) => m.mountPoint === "/")).toBe(
      true,
    );
  });
});

describe("parseBlkidExport", () => {
  it("reads KEY=value lines (blkid -o export)", () => {
    expect(
      parseBlkidExport(
        "DEVNAME=/dev/drbd1\nUUID=0b6f3c2e-1d2a-4f7e-9a55-3f0e0e6b2a11\nBLOCK_SIZE=4096\nTYPE=ext4\n",
      ),
    ).toEqual({
      DEVNAME: "/dev/drbd1",
      UUID: "0b6f3c2e-1d2a-4f7e-9a55-3f0e0e6b2a11",
      BLOCK_SIZE: "4096",
      TYPE: "ext4",
    });
    expect(() => parseBlkidExport("garbage line\n")).toThrow(ParseError);
  });
});
