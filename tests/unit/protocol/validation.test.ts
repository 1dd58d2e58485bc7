import { describe, expect, it } from "vitest";
import { ZAbsolutePath, ZDevicePath, ZName } from "../../../agents/protocol/validation";
import { INJECTION_CORPUS } from "../../helpers/injection";

describe("ZName", () => {
  it.each(["r1", "web-ssl1", "vg0", "lv_data.2", "A+B", "0", "a".repeat(63)])("accepts %s", (name) => {
    expect(ZName.safeParse(name).success).toBe(true);
  });
  it.each(INJECTION_CORPUS)("refuses %j", (name) => {
    expect(ZName.safeParse(name).success).toBe(false);
  });
});

describe("ZAbsolutePath", () => {
  it.each(["/", "/dev/drbd1", "/srv/r1/images/web1.img", "/etc/drbd.d/r1.res"])("accepts %s", (p) => {
    expect(ZAbsolutePath.safeParse(p).success).toBe(true);
  });
  it.each([
    "relative/x",
    "/srv/../etc/shadow",
    "/srv//x",
    "/srv/./x",
    "/srv/x/",
    "/srv/x\nreboot",
    "",
    "-/x",
    "/srv/\u0000x",
  ])("refuses %j", (p) => {
    expect(ZAbsolutePath.safeParse(p).success).toBe(false);
  });
});

describe("ZDevicePath", () => {
  it("accepts device and image paths", () => {
    for (const p of ["/dev/vg0/r1", "/dev/drbd/by-res/r1/0", "/srv/r1/images/web-ssl1.img"]) {
      expect(ZDevicePath.safeParse(p).success).toBe(true);
    }
  });
  it("refuses what could break out of a configuration file", () => {
    for (const p of ["/dev/x; } on evil {", "/dev/x#", "/dev/x y", '/dev/"x', "/dev/x\n", "/dev/../etc"]) {
      expect(ZDevicePath.safeParse(p).success).toBe(false);
    }
  });
});
