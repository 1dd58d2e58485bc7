import { describe, expect, it } from "vitest";
import {
  LVS_FIELDS,
  lvcreate,
  lvremove,
  lvsJson,
  lvsPlain,
  VGS_FIELDS,
  vgsJson,
  vgsPlain,
} from "../../../../agents/drivers/lvm/commands";
import { AppError } from "../../../../lib/errors/app-error";

describe("LVM argv builders", () => {
  it("JSON reports in bytes without suffix", () => {
    expect(lvsJson()).toEqual([
      "lvs",
      "--reportformat",
      "json",
      "--units",
      "b",
      "--nosuffix",
      "-o",
      "vg_name,lv_name,lv_size,lv_attr,lv_path",
    ]);
    expect(lvsJson("xenvg")).toEqual([
      "lvs",
      "--reportformat",
      "json",
      "--units",
      "b",
      "--nosuffix",
      "-o",
      "vg_name,lv_name,lv_size,lv_attr,lv_path",
      "xenvg",
    ]);
    expect(vgsJson()).toEqual([
      "vgs",
      "--reportformat",
      "json",
      "--units",
      "b",
      "--nosuffix",
      "-o",
      "vg_name,vg_size,vg_free",
    ]);
    expect(vgsJson("vg0")).toEqual([
      "vgs",
      "--reportformat",
      "json",
      "--units",
      "b",
      "--nosuffix",
      "-o",
      "vg_name,vg_size,vg_free",
      "vg0",
    ]);
  });

  it("plain fallbacks without headings, |-separated", () => {
    expect(lvsPlain()).toEqual([
      "lvs",
      "--noheadings",
      "--units",
      "b",
      "--nosuffix",
      "--separator",
      "|",
      "-o",
      "vg_name,lv_name,lv_size,lv_attr,lv_path",
    ]);
    expect(vgsPlain("vg0")).toEqual([
      "vgs",
      "--noheadings",
      "--units",
      "b",
      "--nosuffix",
      "--separator",
      "|",
      "-o",
      "vg_name,vg_size,vg_free",
      "vg0",
    ]);
    expect(LVS_FIELDS).toEqual(["vg_name", "lv_name", "lv_size", "lv_attr", "lv_path"]);
    expect(VGS_FIELDS).toEqual(["vg_name", "vg_size", "vg_free"]);
  });

  it("lvcreate with a size in bytes (b suffix), lvremove of vg/lv, both with --yes", () => {
    expect(lvcreate("almalinux_pcmk-1", "drbd-demo", 536870912)).toEqual([
      "lvcreate",
      "--yes",
      "-n",
      "drbd-demo",
      "-L",
      "536870912b",
      "almalinux_pcmk-1",
    ]);
    expect(lvremove("xenvg", "vm1.disk0_data")).toEqual(["lvremove", "--yes", "xenvg/vm1.disk0_data"]);
  });

  it("return a fresh array each call", () => {
    const argv = lvsJson();
    argv.push("extra");
    expect(lvsJson()).toHaveLength(8);
  });

  it.each([
    ["a VG starting with -", () => lvsJson("-a")],
    ["a VG with a slash", () => vgsPlain("vg/x")],
    ["an LV with a space", () => lvcreate("vg", "a b", 1024)],
    ["the name ..", () => lvremove("vg", "..")],
    ["an empty name", () => lvremove("", "lv")],
    ["a 128-character name", () => lvremove("vg", "a".repeat(128))],
    ["a zero size", () => lvcreate("vg", "lv", 0)],
    ["a fractional size", () => lvcreate("vg", "lv", 1.5)],
  ])("refuses %s with VALIDATION_FAILED", (_what, fn) => {
    try {
      fn();
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe("VALIDATION_FAILED");
    }
  });

  it("accepts every character lvm(8) allows", () => {
    expect(lvremove("vg_0.a+b-c", "lv+_.-9")).toEqual(["lvremove", "--yes", "vg_0.a+b-c/lv+_.-9"]);
  });
});
