import { describe, expect, it } from "vitest";
import { parseVirshDomstate } from "../../../../agents/drivers/libvirt/parse-virsh-domstate";
import { ParseError } from "../../../../lib/errors/app-error";
import { listSamples, loadSample } from "../../helpers/fixtures";
import { thrownBy } from "../../../helpers/thrown";

const FILE = "virsh_domstate.txt";

const parseErrorOf = (fn: () => unknown) => thrownBy(fn, ParseError);

describe("virsh domstate fixtures", () => {
  it("covers every sample of the fixture file", () => {
    expect(listSamples(FILE)).toEqual(["domstate-plain-libvirt-test"]);
  });

  it("domstate-plain-libvirt-test: three blank-separated outputs, each 'running'", () => {
    const sample = loadSample(FILE, "domstate-plain-libvirt-test");
    const outputs = sample.split(/\n\s*\n/).filter((b) => b.trim() !== "");
    expect(outputs).toHaveLength(3);
    for (const output of outputs) expect(parseVirshDomstate(output)).toEqual({ state: "running" });
    // All three at once are several outputs, not one.
    const err = parseErrorOf(() => parseVirshDomstate(sample));
    expect(err.details).toMatchObject({ tool: "virsh domstate", line: "running" });
  });
});

describe("parseVirshDomstate", () => {
  // The --reason strings tp-libvirt expects (virsh_domstate.txt header / INDEX.md), plus more from
  // tools/virsh-domain-monitor.c's reason tables.
  it.each([
    ["running (booted)", "running", "booted"],
    ["shut off (crashed)", "shutoff", "crashed"],
    ["crashed (panicked)", "crashed", "panicked"],
    ["paused (crashed)", "paused", "crashed"],
    ["running (unpaused)", "running", "unpaused"],
    ["shut off (failed)", "shutoff", "failed"],
    ["shut off (destroyed)", "shutoff", "destroyed"],
    ["paused (I/O error)", "paused", "I/O error"],
    ["running (from snapshot)", "running", "from snapshot"],
    ["in shutdown (user)", "shutdown", "user"],
    ["pmsuspended (unknown)", "pmsuspended", "unknown"],
    ["idle (unknown)", "blocked", "unknown"],
  ] as const)("reads %j", (line, state, reason) => {
    expect(parseVirshDomstate(`${line}\n\n`)).toEqual({ state, reason });
  });

  it("reads plain states without a reason, after a pasted command line", () => {
    expect(parseVirshDomstate("shut off\n")).toEqual({ state: "shutoff" });
    expect(parseVirshDomstate("$ virsh domstate --reason vm1\nin shutdown\n")).toEqual({ state: "shutdown" });
  });

  it.each([
    ["no state (unknown)"],
    ["hibernating"],
    ["hibernating (user)"],
    ["running ()"],
    ["error: failed to get domain 'x'"],
  ])("refuses %j, naming the line", (line) => {
    const err = parseErrorOf(() => parseVirshDomstate(`${line}\n`));
    expect(err.details).toMatchObject({ tool: "virsh domstate", line });
  });

  it("refuses empty output", () => {
    expect(() => parseVirshDomstate("\n")).toThrow(/empty output/);
  });
});
