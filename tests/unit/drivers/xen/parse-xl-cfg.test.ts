import { describe, expect, it } from "vitest";
import { parseXlCfg } from "../../../../agents/drivers/xen/parse-xl-cfg";
import { ParseError } from "../../../../lib/errors/app-error";
import { listSamples, loadSample } from "../../helpers/fixtures";
import { thrownBy } from "../../../helpers/thrown";

const FILE = "xen_domu_config.txt";

const parseErrorOf = (fn: () => unknown) => thrownBy(fn, ParseError);

/** A Tandem-style DRBD-backed guest, with the syntax variants xl.cfg(5) allows. */
const DRBD_GUEST = `# Tandem guest on DRBD
name = 'web01'   # single quotes
memory = 1024; maxmem = 2048
vcpus = 2
builder = "generic"
extra = "console=hvc0 root=\\"/dev/xvda1\\""
disk = [ 'phy:/dev/drbd1,xvda,w',
         # a comment inside the list
         "phy:/dev/drbd2,xvdb,w",
       ]
vif = [ 'mac=00:16:3e:00:00:01,bridge=xenbr0' ]
cpus = [2, 3]
`;

describe("xl.cfg fixtures", () => {
  it("covers every sample of the fixture file", () => {
    expect(listSamples(FILE)).toEqual(["xlexample.pvlinux"]);
  });

  it("xlexample.pvlinux: name, memory (maxmem commented out), vcpus, disk", () => {
    expect(parseXlCfg(loadSample(FILE, "xlexample.pvlinux"))).toEqual({
      name: "example.pvlinux",
      memoryMiB: 128,
      maxMemoryMiB: 128,
      vcpus: 2,
      disks: ["/dev/vg/guest-volume,raw,xvda,rw"],
      raw: {
        name: "example.pvlinux",
        kernel: "/boot/vmlinuz",
        extra: "root=/dev/xvda1",
        memory: 128,
        vcpus: 2,
        vif: [""],
        disk: ["/dev/vg/guest-volume,raw,xvda,rw"],
      },
    });
  });
});

describe("parseXlCfg", () => {
  it("reads quotes of both kinds, ';' separators, multi-line lists with comments and a trailing comma", () => {
    const cfg = parseXlCfg(DRBD_GUEST);
    expect(cfg).toMatchObject({ name: "web01", memoryMiB: 1024, maxMemoryMiB: 2048, vcpus: 2 });
    expect(cfg.disks).toEqual(["phy:/dev/drbd1,xvda,w", "phy:/dev/drbd2,xvdb,w"]);
    expect(cfg.raw.extra).toBe('console=hvc0 root="/dev/xvda1"');
    expect(cfg.raw.vif).toEqual(["mac=00:16:3e:00:00:01,bridge=xenbr0"]);
    expect(cfg.raw.cpus).toEqual(["2", "3"]);
    expect(cfg.raw.builder).toBe("generic"); // a key we do not interpret is kept
  });

  it("accepts numbers written as strings, hex numbers, += appends and later settings winning", () => {
    const cfg = parseXlCfg(
      `name="a"\nmemory="512"\nmaxmem=0x400\ndisk=['phy:/dev/drbd1,xvda,w']\ndisk+=['phy:/dev/drbd2,xvdb,w']\nname="b"\n`,
    );
    expect(cfg).toMatchObject({ name: "b", memoryMiB: 512, maxMemoryMiB: 1024 });
    expect(cfg.disks).toEqual(["phy:/dev/drbd1,xvda,w", "phy:/dev/drbd2,xvdb,w"]);
    expect(cfg.vcpus).toBeUndefined();
    expect(parseXlCfg('name="c"\nmemory=64\n').disks).toEqual([]);
  });

  it("throws ParseError('xl.cfg') when name or memory is missing", () => {
    expect(parseErrorOf(() => parseXlCfg("memory = 128\n")).details.tool).toBe("xl.cfg");
    expect(() => parseXlCfg('name = "x"\n')).toThrow(/no memory/);
    expect(() => parseXlCfg('name = "x"\nmemory = "lots"\n')).toThrow(/memory is not a number/);
    expect(() => parseXlCfg('name = ["x"]\nmemory = 1\n')).toThrow(ParseError);
  });

  it("throws ParseError for empty input", () => {
    expect(() => parseXlCfg("")).toThrow(ParseError);
    expect(() => parseXlCfg("# only a comment\n")).toThrow(ParseError);
  });

  it.each([
    ["on_reboot = restart", "on_reboot = restart"], // bare word: xl.cfg values are quoted
    ["memory 128", "memory 128"],
    ['extra = "unterminated', 'extra = "unterminated'],
    ["disk = [ 'a' 'b' ]", "disk = [ 'a' 'b' ]"],
    ['name = "x" "y"', 'name = "x" "y"'],
    ["memory = 128 % 3", "memory = 128 % 3"],
    ["vif = [ 'a',", "vcpus = 1"], // an unclosed list is noticed on the next line
  ])("throws ParseError naming the line for %j", (bad, reported) => {
    const err = parseErrorOf(() => parseXlCfg(`name = "x"\nmemory = 128\n${bad}\nvcpus = 1\n`));
    expect(err.details).toMatchObject({ tool: "xl.cfg", line: reported });
  });

  it("says which list an error is in", () => {
    expect(() => parseXlCfg("name = 'x'\nmemory = 1\ndisk = [ 'a',\n")).toThrow(/in the list of disk/);
  });
});
