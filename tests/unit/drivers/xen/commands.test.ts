import { describe, expect, it } from "vitest";
import { xlInfoArgv, xlListArgv, xlListLongArgv } from "../../../../agents/drivers/xen/commands";

describe("Xen argv builders", () => {
  it("default to xl", () => {
    expect(xlListArgv()).toEqual(["xl", "list"]);
    expect(xlListLongArgv()).toEqual(["xl", "list", "-l"]);
    expect(xlInfoArgv()).toEqual(["xl", "info"]);
  });

  it("build the same tables with xm", () => {
    expect(xlListArgv("xm")).toEqual(["xm", "list"]);
    expect(xlInfoArgv("xm")).toEqual(["xm", "info"]);
  });
});
