import { describe, expect, it } from "vitest";
import {
  define,
  destroy,
  dominfo,
  dommemstat,
  domstateReason,
  dumpxml,
  freecellAll,
  listAll,
  nodeinfo,
  nodememstats,
  setmaxmem,
  setmem,
  shutdown,
  start,
} from "../../../../agents/drivers/libvirt/commands";
import { AppError } from "../../../../lib/errors/app-error";

const URI = "qemu:///system";

describe("virsh argv builders", () => {
  it("build read commands, options before `--` and the domain", () => {
    expect(listAll()).toEqual(["virsh", "list", "--all"]);
    expect(dominfo("vm1")).toEqual(["virsh", "dominfo", "--", "vm1"]);
    expect(dommemstat("vm1")).toEqual(["virsh", "dommemstat", "--", "vm1"]);
    expect(dumpxml("vm1")).toEqual(["virsh", "dumpxml", "--", "vm1"]);
    expect(dumpxml("vm1", { inactive: true })).toEqual(["virsh", "dumpxml", "--inactive", "--", "vm1"]);
    expect(domstateReason("vm1")).toEqual(["virsh", "domstate", "--reason", "--", "vm1"]);
    expect(nodeinfo()).toEqual(["virsh", "nodeinfo"]);
    expect(freecellAll()).toEqual(["virsh", "freecell", "--all"]);
    expect(nodememstats()).toEqual(["virsh", "nodememstats"]);
  });

  it("build lifecycle commands", () => {
    expect(start("vm1")).toEqual(["virsh", "start", "--", "vm1"]);
    expect(shutdown("vm1")).toEqual(["virsh", "shutdown", "--", "vm1"]);
    expect(destroy("vm1")).toEqual(["virsh", "destroy", "--", "vm1"]);
    expect(define("/etc/tandem/vm1.xml")).toEqual(["virsh", "define", "--", "/etc/tandem/vm1.xml"]);
  });

  it("build memory commands with the size as bare KiB", () => {
    expect(setmem("vm1", 1048576)).toEqual(["virsh", "setmem", "--", "vm1", "1048576"]);
    expect(setmem("vm1", 1048576, { live: true })).toEqual([
      "virsh",
      "setmem",
      "--live",
      "--",
      "vm1",
      "1048576",
    ]);
    expect(setmem("vm1", 524288, { live: true, config: true })).toEqual([
      "virsh",
      "setmem",
      "--live",
      "--config",
      "--",
      "vm1",
      "524288",
    ]);
    expect(setmaxmem("vm1", 4194304, { config: true })).toEqual([
      "virsh",
      "setmaxmem",
      "--config",
      "--",
      "vm1",
      "4194304",
    ]);
    expect(setmaxmem("vm1", 4194304)).toEqual(["virsh", "setmaxmem", "--", "vm1", "4194304"]);
  });

  it("put `-c <uri>` before the command when a connection URI is given", () => {
    expect(listAll(URI)).toEqual(["virsh", "-c", URI, "list", "--all"]);
    expect(dominfo("vm1", URI)).toEqual(["virsh", "-c", URI, "dominfo", "--", "vm1"]);
    expect(dommemstat("vm1", URI)).toEqual(["virsh", "-c", URI, "dommemstat", "--", "vm1"]);
    expect(dumpxml("vm1", {}, URI)).toEqual(["virsh", "-c", URI, "dumpxml", "--", "vm1"]);
    expect(domstateReason("vm1", URI)).toEqual(["virsh", "-c", URI, "domstate", "--reason", "--", "vm1"]);
    expect(start("vm1", URI)).toEqual(["virsh", "-c", URI, "start", "--", "vm1"]);
    expect(shutdown("vm1", URI)).toEqual(["virsh", "-c", URI, "shutdown", "--", "vm1"]);
    expect(destroy("vm1", URI)).toEqual(["virsh", "-c", URI, "destroy", "--", "vm1"]);
    expect(define("/tmp/vm1.xml", URI)).toEqual(["virsh", "-c", URI, "define", "--", "/tmp/vm1.xml"]);
    expect(setmem("vm1", 1024, { live: true }, URI)).toEqual([
      "virsh",
      "-c",
      URI,
      "setmem",
      "--live",
      "--",
      "vm1",
      "1024",
    ]);
    expect(setmaxmem("vm1", 2048, {}, URI)).toEqual(["virsh", "-c", URI, "setmaxmem", "--", "vm1", "2048"]);
    expect(nodeinfo("xen:///system")).toEqual(["virsh", "-c", "xen:///system", "nodeinfo"]);
    expect(freecellAll(URI)).toEqual(["virsh", "-c", URI, "freecell", "--all"]);
    expect(nodememstats(URI)).toEqual(["virsh", "-c", URI, "nodememstats"]);
  });

  it("pass names that look like options or contain spaces as data after `--`", () => {
    expect(destroy("--all")).toEqual(["virsh", "destroy", "--", "--all"]);
    expect(start("web server; rm -rf /")).toEqual(["virsh", "start", "--", "web server; rm -rf /"]);
    expect(dominfo("7d8a79cf-7c6e-4288-8f31-7729620268f5")).toEqual([
      "virsh",
      "dominfo",
      "--",
      "7d8a79cf-7c6e-4288-8f31-7729620268f5",
    ]);
  });

  it("refuse names virsh would misread, bad sizes and bad URIs with VALIDATION_FAILED", () => {
    const bad: Array<() => unknown> = [
      () => destroy("5"), // virsh would look this up as domain ID 5
      () => start(""),
      () => dominfo("a\0b"),
      () => setmem("vm1", 0),
      () => setmem("vm1", 1.5),
      () => setmaxmem("vm1", -1),
      () => setmem("vm1", Number.NaN),
      () => listAll(""),
      () => listAll("--readonly"),
      () => define(""),
    ];
    for (const fn of bad) {
      let err: unknown;
      try {
        fn();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe("VALIDATION_FAILED");
    }
  });
});
