import { describe, expect, it } from "vitest";
import {
  isSxpElement,
  parseSxp,
  sxpChild,
  sxpChildren,
  sxpLineOf,
  sxpValue,
  type SxpList,
} from "../../../../agents/drivers/xen/parse-sxp";
import { ParseError } from "../../../../lib/errors/app-error";
import { listSamples, loadSample } from "../../helpers/fixtures";
import { thrownBy } from "../../../helpers/thrown";

const FILE = "xen_xm_list_long_sexpr.txt";

const parseErrorOf = (fn: () => unknown) => thrownBy(fn, ParseError);

describe("parseSxp on xm list --long output", () => {
  it("covers every sample of the fixture file", () => {
    expect(listSamples(FILE)).toEqual(["xm-list-long-4.0.1"]);
  });

  it("xm-list-long-4.0.1: two (domain ...) lists, quoted strings, values split over lines", () => {
    const text = loadSample(FILE, "xm-list-long-4.0.1");
    const nodes = parseSxp(text);
    expect(nodes).toHaveLength(2);
    const [dom0, guest] = nodes as [SxpList, SxpList];
    expect(dom0[0]).toBe("domain");
    expect(sxpValue(dom0, "name")).toBe("Domain-0");
    expect(sxpValue(dom0, "cpu_time")).toBe("184000.41332");
    expect(sxpChild(dom0, "bootloader")).toEqual(["bootloader"]); // `(bootloader )`: empty value
    expect(sxpValue(dom0, "bootloader")).toBeUndefined();
    const cpus = sxpChild(dom0, "cpus");
    expect(cpus?.[1]).toHaveLength(24);
    expect((cpus?.[1] as SxpList)[0]).toHaveLength(24);
    expect(sxpChild(guest, "cpus")).toEqual(["cpus", [[]]]); // `(cpus (()))`

    const linux = sxpChild(sxpChild(guest, "image")!, "linux")!;
    expect(sxpValue(linux, "args")).toBe("root=/dev/xvda1 ro");
    expect(sxpChild(linux, "pci")).toEqual(["pci", []]);
    const notes = sxpChild(linux, "notes")!;
    expect(sxpValue(notes, "FEATURES")).toBe("!writable_page_tables|pae_pgdir_above_4gb");
    expect(sxpValue(notes, "GUEST_VERSION")).toBe("2.6");

    const devices = sxpChildren(guest, "device");
    expect(devices.map((d) => (d[1] as SxpList)[0])).toEqual(["vif", "console", "vbd"]);
    const vbd = sxpChild(devices[2]!, "vbd")!;
    expect(sxpValue(vbd, "uname")).toBe("phy:/var/run/ganeti/instance-disks/instance1.example.com:0");
    expect(sxpChild(vbd, "VDI")).toEqual(["VDI"]);

    const lines = text.split("\n");
    expect(lines[sxpLineOf(guest)!]).toBe("(domain");
    expect(lines[sxpLineOf(vbd)!]).toBe("        (vbd");
  });
});

describe("parseSxp", () => {
  it("reads atoms, nested lists and several top-level expressions", () => {
    expect(parseSxp("(a (b c) ((d)) ())\nx (y)")).toEqual([["a", ["b", "c"], [["d"]], []], "x", ["y"]]);
    expect(parseSxp("")).toEqual([]);
    expect(parseSxp("  \n\t ")).toEqual([]);
  });

  it("keeps numbers and punctuation as atoms", () => {
    expect(parseSxp("(x 0.5 -1 a:b/c aa:00:00:30:8d:9d r----- !|x)")).toEqual([
      ["x", "0.5", "-1", "a:b/c", "aa:00:00:30:8d:9d", "r-----", "!|x"],
    ]);
  });

  it("reads quoted strings with Python repr escapes", () => {
    expect(parseSxp(String.raw`('a b' "c'd" 'e\'f' 'g\\h' 't\tn\n' '\x41\102' 'x\qy' '')`)).toEqual([
      ["a b", "c'd", "e'f", "g\\h", "t\tn\n", "AB", "x\\qy", ""],
    ]);
    expect(parseSxp("(s 'two\nlines')")).toEqual([["s", "two\nlines"]]);
  });

  it("skips # comments", () => {
    expect(parseSxp("# header\n(a # note\n b)\n")).toEqual([["a", "b"]]);
  });

  it("records the line each list opens on", () => {
    const [outer] = parseSxp("\n(a\n  (b 1)\n)") as [SxpList];
    expect(sxpLineOf(outer)).toBe(1);
    expect(sxpLineOf(sxpChild(outer, "b")!)).toBe(2);
    expect(sxpLineOf([])).toBeUndefined();
  });

  it("throws ParseError naming the line of an unbalanced parenthesis or open string", () => {
    expect(parseErrorOf(() => parseSxp("(a 1)\n(b 2))\n")).details).toMatchObject({
      tool: "sxp",
      line: "(b 2))",
    });
    expect(parseErrorOf(() => parseSxp("(a\n  (b 1)\n", "xm list --long")).details).toMatchObject({
      tool: "xm list --long",
      line: "(a",
    });
    expect(parseErrorOf(() => parseSxp("(a\n  (b 'oops)\n)\n")).details).toMatchObject({
      line: "  (b 'oops)",
    });
    expect(() => parseSxp("(a 'x\\")).toThrow(/unterminated string/);
  });
});

describe("sxp helpers", () => {
  const [dom] = parseSxp(
    "(domain (name vm1) (memory 512) (device (vbd (uname phy:/dev/a))) (device (vif)) (cpus (0 1)))",
  ) as [SxpList];

  it("sxpChild / sxpChildren find children by key, skipping the element name", () => {
    expect(sxpChild(dom, "memory")).toEqual(["memory", "512"]);
    expect(sxpChild(dom, "domain")).toBeUndefined();
    expect(sxpChild("atom", "x")).toBeUndefined();
    expect(sxpChildren(dom, "device")).toHaveLength(2);
    expect(sxpChildren(dom, "missing")).toEqual([]);
    expect(isSxpElement(dom, "domain")).toBe(true);
    expect(isSxpElement([], undefined)).toBe(false);
  });

  it("sxpValue returns the atom, undefined when absent, and refuses a list", () => {
    expect(sxpValue(dom, "name")).toBe("vm1");
    expect(sxpValue(dom, "maxmem")).toBeUndefined();
    expect(() => sxpValue(dom, "cpus")).toThrow(ParseError);
  });
});
