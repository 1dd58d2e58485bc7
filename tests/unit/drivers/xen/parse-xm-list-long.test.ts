import { describe, expect, it } from "vitest";
import {
  parseXmListLong,
  xmListLongToDomainList,
  type XmLongDomain,
} from "../../../../agents/drivers/xen/parse-xm-list-long";
import { ZDomainList } from "../../../../agents/parsers/shapes";
import { ParseError } from "../../../../lib/errors/app-error";
import { listSamples, loadSample } from "../../helpers/fixtures";
import { thrownBy } from "../../../helpers/thrown";

const FILE = "xen_xm_list_long_sexpr.txt";

const parseErrorOf = (fn: () => unknown) => thrownBy(fn, ParseError);

/** Everything but the raw S-expression, which is checked separately. */
function fields(domains: XmLongDomain[]): Array<Omit<XmLongDomain, "raw">> {
  return domains.map(({ raw: _raw, ...rest }) => rest);
}

describe("xm list --long fixtures", () => {
  it("covers every sample of the fixture file", () => {
    expect(listSamples(FILE)).toEqual(["xm-list-long-4.0.1"]);
  });

  it("xm-list-long-4.0.1: Domain-0 (24 vCPUs, 1 online) and a blocked PV guest with a phy: disk", () => {
    const domains = parseXmListLong(loadSample(FILE, "xm-list-long-4.0.1"));
    expect(fields(domains)).toEqual([
      {
        name: "Domain-0",
        domId: 0,
        memoryMiB: 1023,
        maxMemoryMiB: 16777215,
        vcpus: 24,
        onlineVcpus: 1,
        uuid: "00000000-0000-0000-0000-000000000000",
        stateFlags: "r-----",
        status: 2,
        state: "running",
        disks: [],
      },
      {
        name: "instance1.example.com",
        domId: 119,
        memoryMiB: 128,
        maxMemoryMiB: 128,
        vcpus: 1,
        onlineVcpus: 1,
        uuid: "e430b4b8-dc91-9390-dfe0-b83c138ea0aa",
        stateFlags: "-b----",
        status: 2,
        state: "blocked",
        disks: ["/var/run/ganeti/instance-disks/instance1.example.com:0"],
      },
    ]);
    expect(domains[1]?.raw[0]).toBe("domain");
    expect(domains[1]?.raw).toContainEqual(["store_mfn", "8836555"]);
  });

  it("xm-list-long-4.0.1: as the shared domain list (KiB, online vCPUs)", () => {
    const list = xmListLongToDomainList(parseXmListLong(loadSample(FILE, "xm-list-long-4.0.1")));
    expect(list).toEqual({
      domains: [
        {
          name: "Domain-0",
          id: 0,
          state: "running",
          memoryKiB: 1023 * 1024,
          maxMemoryKiB: 16777215 * 1024,
          vcpus: 1,
        },
        {
          name: "instance1.example.com",
          id: 119,
          state: "blocked",
          memoryKiB: 128 * 1024,
          maxMemoryKiB: 128 * 1024,
          vcpus: 1,
        },
      ],
    });
    expect(ZDomainList.parse(list)).toEqual(list);
  });
});

const DOM = (body: string): string => `(domain\n    (name vm1)\n${body}\n)\n`;

describe("parseXmListLong", () => {
  it("reads a managed domain that is not running (no domid, no state) as shutoff", () => {
    const halted = DOM("    (memory 512)\n    (maxmem 1024)\n    (vcpus 2)\n    (status 0)");
    expect(fields(parseXmListLong(halted))).toEqual([
      {
        name: "vm1",
        domId: null,
        memoryMiB: 512,
        maxMemoryMiB: 1024,
        vcpus: 2,
        status: 0,
        state: "shutoff",
        disks: [],
      },
    ]);
    expect(xmListLongToDomainList(parseXmListLong(halted))).toEqual({
      domains: [
        { name: "vm1", id: null, state: "shutoff", memoryKiB: 524288, maxMemoryKiB: 1048576, vcpus: 2 },
      ],
    });
    expect(parseXmListLong(DOM("    (status 3)"))[0]?.state).toBe("shutoff"); // suspended (saved)
    expect(parseXmListLong(DOM("    (vcpus 1)"))[0]?.state).toBe("shutoff");
  });

  it.each([
    ["r-----", "running"],
    ["-b----", "blocked"],
    ["------", "blocked"],
    ["--p---", "paused"],
    ["---s--", "shutdown"],
    ["--psc-", "crashed"],
    ["-----d", "dying"],
  ] as const)("maps (state %s) to %s", (flags, state) => {
    expect(parseXmListLong(DOM(`    (domid 5)\n    (state ${flags})`))[0]?.state).toBe(state);
  });

  it("tolerates unknown fields and devices", () => {
    const text = DOM(
      "    (domid 4)\n    (future_field (a b) 'c d')\n    (state -b----)\n    (device (vfb (type vnc)))\n" +
        "    (device (tap (uname tap:aio:/srv/vm1.img) (dev xvda)))\n    (device (vbd (dev hdc:cdrom) (uname )))",
    );
    expect(fields(parseXmListLong(text))).toEqual([
      { name: "vm1", domId: 4, stateFlags: "-b----", state: "blocked", disks: ["/srv/vm1.img"] },
    ]);
  });

  it.each([
    ["    (domid 5)\n    (state x-----)", "    (state x-----)", /unknown state flags/],
    ["    (domid 5)\n    (state -b---)", "    (state -b---)", /unknown state flags/],
    [
      "    (domid 5)\n    (state -b----)\n    (memory 1.5G)",
      "    (memory 1.5G)",
      /memory is not a whole number/,
    ],
    ["    (domid five)\n    (state -b----)", "    (domid five)", /domid/],
    ["    (status 6)", "    (status 6)", /unknown status 6/],
    ["    (domid 5)\n    (state r----- b)", "    (state r----- b)", /one value/],
  ])("throws ParseError naming the line: %j", (body, line, message) => {
    const err = parseErrorOf(() => parseXmListLong(DOM(body)));
    expect(err.details).toMatchObject({ tool: "xm list --long", line });
    expect(err.message).toMatch(message);
  });

  it("refuses a domain with a domid but no state (xl 4.1's SXP), and one without a name", () => {
    const xl41 = "(domain\n\t(domid 1)\n\t(create_info)\n\t(name vm1)\n\t(max_memkb 524288)\n)\n";
    expect(parseErrorOf(() => parseXmListLong(xl41)).details).toMatchObject({ line: "(domain" });
    expect(() => parseXmListLong("(domain\n    (domid 1)\n    (state r-----)\n)\n")).toThrow(/name/);
  });

  it("refuses output that is not (domain ...) expressions", () => {
    const err = parseErrorOf(() =>
      parseXmListLong("Error: Unable to connect to xend: No such file or directory. Is xend running?\n"),
    );
    expect(err.details).toMatchObject({
      tool: "xm list --long",
      line: "Error: Unable to connect to xend: No such file or directory. Is xend running?",
    });
    expect(() => parseXmListLong("(vm (name a))\n")).toThrow(/expected \(domain/);
    expect(() => parseXmListLong("")).toThrow(ParseError);
    expect(() => parseXmListLong("(domain\n    (name vm1)\n")).toThrow(/not closed/);
  });
});
