import { describe, expect, it } from "vitest";
import {
  dropCommandEcho,
  parseVirshList,
  virshStateToVmState,
} from "../../../../agents/drivers/libvirt/parse-virsh-list";
import { ParseError } from "../../../../lib/errors/app-error";
import { listSamples, loadSample } from "../../helpers/fixtures";
import { thrownBy } from "../../../helpers/thrown";

const FILE = "virsh_list.txt";

const parseErrorOf = (fn: () => unknown) => thrownBy(fn, ParseError);

/** Builds a compact (libvirt >= 4.x, tools/vsh-table.c) table exactly as vshTablePrint pads it. */
function compactTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => ` ${cell}${c < r.length - 1 ? " ".repeat(widths[c]! - cell.length + 2) : ""}`)
      .join("");
  const dashes = "-".repeat(widths.reduce((sum, w) => sum + w + 3, 0));
  return [line(rows[0]!), dashes, ...rows.slice(1).map(line), "", ""].join("\n");
}

/** Builds an old (libvirt < 4.x) table: " %-5s %-30s %s" under 52 dashes. */
function wideTable(rows: Array<[string, string, string]>): string {
  const line = ([id, name, state]: [string, string, string]) =>
    ` ${id.padEnd(5)} ${name.padEnd(30)} ${state}`;
  return [line(["Id", "Name", "State"]), "-".repeat(52), ...rows.map(line), "", ""].join("\n");
}

describe("virsh list fixtures", () => {
  it("covers every sample of the fixture file", () => {
    expect(listSamples(FILE)).toEqual(["ubuntu-new-format", "libvirt-test-list-all", "virsh-man-old-format"]);
  });

  it("ubuntu-new-format: compact table after the pasted command line", () => {
    expect(parseVirshList(loadSample(FILE, "ubuntu-new-format"))).toEqual({
      domains: [{ name: "vm1", id: 1, state: "running" }],
    });
  });

  it("libvirt-test-list-all: three running domains of the test driver", () => {
    expect(parseVirshList(loadSample(FILE, "libvirt-test-list-all"))).toEqual({
      domains: [
        { name: "fv0", id: 1, state: "running" },
        { name: "fc4", id: 2, state: "running" },
        { name: "fc5", id: 3, state: "running" },
      ],
    });
  });

  it("virsh-man-old-format: wide table (indented in the man page), running and paused", () => {
    expect(parseVirshList(loadSample(FILE, "virsh-man-old-format"))).toEqual({
      domains: [
        { name: "Domain-0", id: 0, state: "running" },
        { name: "fedora", id: 2, state: "paused" },
      ],
    });
  });
});

describe("parseVirshList", () => {
  it("reads shut-off domains ('-' id) and multi-word states in the compact table", () => {
    const text = compactTable([
      ["Id", "Name", "State"],
      ["1", "web", "running"],
      ["7", "db", "in shutdown"],
      ["-", "backup", "shut off"],
      ["-", "laptop", "pmsuspended"],
    ]);
    expect(parseVirshList(text).domains).toEqual([
      { name: "web", id: 1, state: "running" },
      { name: "db", id: 7, state: "shutdown" },
      { name: "backup", id: null, state: "shutoff" },
      { name: "laptop", id: null, state: "pmsuspended" },
    ]);
  });

  it("keeps spaces inside domain names", () => {
    const text = compactTable([
      ["Id", "Name", "State"],
      ["3", "my web server", "paused"],
      ["-", "shut off test", "shut off"],
    ]);
    expect(parseVirshList(text).domains).toEqual([
      { name: "my web server", id: 3, state: "paused" },
      { name: "shut off test", id: null, state: "shutoff" },
    ]);
  });

  it("ignores the --title column (compact and old wide --title layouts)", () => {
    const compact = compactTable([
      ["Id", "Name", "State", "Title"],
      ["1", "web", "running", "Front end, running nginx"],
      ["-", "db", "shut off", ""],
    ]);
    const wide = [
      ` ${"Id".padEnd(5)} ${"Name".padEnd(30)} ${"State".padEnd(10)} ${"Title".padEnd(20)}`,
      "-".repeat(82),
      ` ${"2".padEnd(5)} ${"web".padEnd(30)} ${"in shutdown".padEnd(10)} ${"paused for backup".padEnd(20)}`,
      ` ${"-".padEnd(5)} ${"db".padEnd(30)} ${"shut off".padEnd(10)} ${"".padEnd(20)}`,
      "",
    ].join("\n");
    const expected = [
      { name: "web", id: 1, state: "running" },
      { name: "db", id: null, state: "shutoff" },
    ];
    expect(parseVirshList(compact).domains).toEqual(expected);
    expect(parseVirshList(wide).domains).toEqual([
      { name: "web", id: 2, state: "shutdown" },
      { name: "db", id: null, state: "shutoff" },
    ]);
  });

  it("reads old-format rows whose name or id overflows its column", () => {
    const text = wideTable([
      ["123456", "vm", "running"],
      ["-", "a-domain-name-longer-than-thirty-characters", "shut off"],
    ]);
    expect(parseVirshList(text).domains).toEqual([
      { name: "vm", id: 123456, state: "running" },
      { name: "a-domain-name-longer-than-thirty-characters", id: null, state: "shutoff" },
    ]);
  });

  it("maps every virsh state name, old spellings included", () => {
    const cases = [
      ["running", "running"],
      ["idle", "blocked"],
      ["blocked", "blocked"],
      ["paused", "paused"],
      ["in shutdown", "shutdown"],
      ["shutdown", "shutdown"],
      ["shut off", "shutoff"],
      ["saved", "shutoff"],
      ["crashed", "crashed"],
      ["dying", "dying"],
      ["pmsuspended", "pmsuspended"],
    ] as const;
    for (const [word, state] of cases) {
      expect(virshStateToVmState(word, "t", word)).toBe(state);
      const text = wideTable([["5", "vm", word]]);
      expect(parseVirshList(text).domains).toEqual([{ name: "vm", id: 5, state }]);
    }
  });

  it("refuses an unknown state, naming the line", () => {
    for (const text of [
      wideTable([["5", "vm", "hibernating"]]),
      compactTable([
        ["Id", "Name", "State"],
        ["5", "vm", "no state"],
      ]),
    ]) {
      const row = text.split("\n")[2]!;
      const err = parseErrorOf(() => parseVirshList(text));
      expect(err.details).toMatchObject({ tool: "virsh list", line: row });
      expect(err.message).toMatch(/unknown domain state/);
    }
  });

  it("an empty list is a header and dashes only", () => {
    expect(parseVirshList(" Id   Name   State\n--------------------\n\n")).toEqual({ domains: [] });
    expect(parseVirshList(wideTable([]))).toEqual({ domains: [] });
  });

  it("throws ParseError naming the line for malformed output", () => {
    const header = " Id   Name   State\n----------------------\n";
    for (const row of [" x    vm1    running", " 1", " 1    running", "error: failed to connect"]) {
      const err = parseErrorOf(() => parseVirshList(`${header}${row}\n`));
      expect(err.details).toMatchObject({ tool: "virsh list", line: row });
    }
    expect(() => parseVirshList("")).toThrow(/empty output/);
    const noHeader = parseErrorOf(() => parseVirshList(" 1    vm1    running\n"));
    expect(noHeader.details.line).toBe(" 1    vm1    running");
    const noDashes = parseErrorOf(() => parseVirshList(" Id   Name   State\n 1    vm1    running\n"));
    expect(noDashes.details.line).toBe(" 1    vm1    running");
  });

  it("drops one leading command line, and only one", () => {
    expect(dropCommandEcho("$ virsh list --all\n Id\n")).toEqual([" Id", ""]);
    expect(dropCommandEcho("root@node-a:~# virsh -c qemu:///system list\n\nx\n")).toEqual(["x", ""]);
    expect(dropCommandEcho("virsh list\nvirsh list\n")).toEqual(["virsh list", ""]);
    expect(dropCommandEcho("actual 1\n")).toEqual(["actual 1", ""]);
  });
});
