import { describe, expect, it } from "vitest";
import {
  create,
  destroy,
  memMax,
  memSet,
  shutdown,
  xlListLongArgvFor,
} from "../../../../agents/drivers/xen/actions";
import type { XenTool } from "../../../../agents/drivers/xen/commands";
import { AppError } from "../../../../lib/errors/app-error";
import { thrownBy } from "../../../helpers/thrown";

const appErrorOf = (fn: () => unknown) => thrownBy(fn, AppError);

describe("Xen state-change argv builders", () => {
  it.each(["xl", "xm"] as const)("%s: build exact argv arrays", (tool) => {
    expect(create(tool, "/etc/xen/vm1.cfg")).toEqual([tool, "create", "/etc/xen/vm1.cfg"]);
    expect(create(tool, "/etc/xen/vm1.cfg", { memoryMiB: 768 })).toEqual([
      tool,
      "create",
      "/etc/xen/vm1.cfg",
      "memory=768",
    ]);
    expect(shutdown(tool, "vm1")).toEqual([tool, "shutdown", "vm1"]);
    expect(shutdown(tool, "vm1", { wait: true })).toEqual([tool, "shutdown", "-w", "vm1"]);
    expect(shutdown(tool, "vm1", { wait: false })).toEqual([tool, "shutdown", "vm1"]);
    expect(destroy(tool, "vm1")).toEqual([tool, "destroy", "vm1"]);
    expect(destroy(tool, 7)).toEqual([tool, "destroy", "7"]);
    expect(memSet(tool, "vm1", 512)).toEqual([tool, "mem-set", "vm1", "512m"]);
    expect(memMax(tool, "vm1.example.com", 2048)).toEqual([tool, "mem-max", "vm1.example.com", "2048m"]);
  });

  it("long listing: xl -l (JSON), xm --long (SXP)", () => {
    expect(xlListLongArgvFor("xl")).toEqual(["xl", "list", "-l"]);
    expect(xlListLongArgvFor("xm")).toEqual(["xm", "list", "--long"]);
  });

  it("return a fresh array each call", () => {
    const argv = destroy("xl", "vm1");
    argv.push("extra");
    expect(destroy("xl", "vm1")).toEqual(["xl", "destroy", "vm1"]);
  });

  it.each([
    ["name", () => destroy("xl", "-f"), "domain", "no-leading-dash"],
    ["name", () => shutdown("xl", "12"), "domain", "not-numeric"],
    ["name", () => destroy("xl", ""), "domain", "name"],
    ["name", () => destroy("xm", "vm 1"), "domain", "name"],
    ["domid", () => destroy("xl", -1), "domain", "domid"],
    ["domid", () => destroy("xl", 1.5), "domain", "domid"],
    ["mib", () => memSet("xl", "vm1", 0), "mib", "positive-integer"],
    ["mib", () => memMax("xm", "vm1", 512.5), "mib", "positive-integer"],
    ["cfgPath", () => create("xl", "vm1.cfg"), "cfgPath", "absolute-path"],
    ["cfgPath", () => create("xl", "-q"), "cfgPath", "absolute-path"],
    ["memory", () => create("xl", "/etc/xen/vm1.cfg", { memoryMiB: 0 }), "mib", "positive-integer"],
    ["tool", () => create("virsh" as XenTool, "/etc/xen/vm1.cfg"), "tool", "xl-or-xm"],
  ])("refuses a bad %s with VALIDATION_FAILED", (_what, fn, field, rule) => {
    const err = appErrorOf(fn);
    expect(err.code).toBe("VALIDATION_FAILED");
    expect(err.details).toMatchObject({ field, rule });
  });
});
