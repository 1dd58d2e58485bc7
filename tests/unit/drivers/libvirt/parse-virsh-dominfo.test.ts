import { describe, expect, it } from "vitest";
import {
  dominfoToDomainList,
  parseVirshDominfo,
} from "../../../../agents/drivers/libvirt/parse-virsh-dominfo";
import { parseVirshDomstate } from "../../../../agents/drivers/libvirt/parse-virsh-domstate";
import { ParseError } from "../../../../lib/errors/app-error";
import { listSamples, loadSample } from "../../helpers/fixtures";
import { thrownBy } from "../../../helpers/thrown";

const FILE = "virsh_dominfo.txt";

const parseErrorOf = (fn: () => unknown) => thrownBy(fn, ParseError);

/** A shut-off domain as printed by cmdDominfo ("%-15s %s"), without CPU time and security lines. */
const SHUT_OFF = [
  "Id:             -",
  "Name:           web 2",
  "UUID:           0b4e28ba-2fa1-11d2-883f-0016d3cca427",
  "OS Type:        hvm",
  "State:          shut off",
  "CPU(s):         2",
  "Max memory:     4194304 KiB",
  "Used memory:    4194304 KiB",
  "Persistent:     yes",
  "Autostart:      enable",
  "Managed save:   no",
  "",
].join("\n");

describe("virsh dominfo fixtures", () => {
  it("covers every sample of the fixture file", () => {
    expect(listSamples(FILE)).toEqual([
      "kvm-before-setmem",
      "libvirt-test-dominfo",
      "pmhahn-dominfo-fragment",
    ]);
  });

  it("kvm-before-setmem: running KVM guest after the pasted command, annotation after Used memory ignored", () => {
    const info = parseVirshDominfo(loadSample(FILE, "kvm-before-setmem"));
    expect(info).toEqual({
      name: "vm1",
      id: 8,
      uuid: "7d8a79cf-7c6e-4288-8f31-7729620268f5",
      state: "running",
      vcpus: 1,
      maxMemoryKiB: 2097152,
      usedMemoryKiB: 2097152,
      persistent: true,
      autostart: false,
      raw: {
        Id: "8",
        Name: "vm1",
        UUID: "7d8a79cf-7c6e-4288-8f31-7729620268f5",
        "OS Type": "hvm",
        State: "running",
        "CPU(s)": "1",
        "CPU time": "16,4s",
        "Max memory": "2097152 KiB",
        "Used memory": "2097152 KiB   // Before",
        Persistent: "yes",
        Autostart: "disable",
        "Managed save": "no",
        "Security model": "apparmor",
        "Security DOI": "0",
        "Security label": "libvirt-7d8a79cf-7c6e-4288-8f31-7729620268f5 (enforcing)",
      },
    });
    expect(dominfoToDomainList(info)).toEqual({
      domains: [
        { name: "vm1", id: 8, state: "running", memoryKiB: 2097152, maxMemoryKiB: 2097152, vcpus: 1 },
      ],
    });
  });

  describe("libvirt-test-dominfo: three records, then domid/domuuid/domname/domstate/domcontrol outputs", () => {
    const blocks = loadSample(FILE, "libvirt-test-dominfo")
      .split(/\n\s*\n/)
      .map((b) => b.trim())
      .filter((b) => b !== "");

    it("has the expected blocks", () => {
      expect(blocks).toHaveLength(13);
      expect(blocks.slice(3)).toEqual([
        "2",
        "2",
        "ef861801-45b9-11cb-88e3-afbfe5370493",
        "ef861801-45b9-11cb-88e3-afbfe5370493",
        "fc4",
        "fc4",
        "running",
        "running",
        "running",
        "ok",
      ]);
    });

    it("fc4 (twice): Used < Max memory, empty Security DOI, one Messages line", () => {
      for (const block of blocks.slice(0, 2)) {
        const info = parseVirshDominfo(block);
        expect(info).toMatchObject({
          name: "fc4",
          id: 2,
          uuid: "ef861801-45b9-11cb-88e3-afbfe5370493",
          state: "running",
          vcpus: 1,
          maxMemoryKiB: 261072,
          usedMemoryKiB: 131072,
          persistent: true,
          autostart: false,
        });
        expect(info.raw).toEqual({
          Id: "2",
          Name: "fc4",
          UUID: "ef861801-45b9-11cb-88e3-afbfe5370493",
          "OS Type": "linux",
          State: "running",
          "CPU(s)": "1",
          "Max memory": "261072 KiB",
          "Used memory": "131072 KiB",
          Persistent: "yes",
          Autostart: "disable",
          "Managed save": "no",
          "Security model": "testSecurity",
          "Security DOI": "",
          "Security label": "libvirt-test (enforcing)",
          Messages: "tainted: network configuration using opaque shell scripts",
        });
        expect(dominfoToDomainList(info).domains).toEqual([
          { name: "fc4", id: 2, state: "running", memoryKiB: 131072, maxMemoryKiB: 261072, vcpus: 1 },
        ]);
      }
    });

    it("fc5: four vCPUs and Messages continued on indented lines", () => {
      const info = parseVirshDominfo(blocks[2]!);
      expect(info).toMatchObject({
        name: "fc5",
        id: 3,
        uuid: "08721f99-3d1d-4aec-96eb-97803297bb36",
        state: "running",
        vcpus: 4,
        maxMemoryKiB: 2097152,
        usedMemoryKiB: 2097152,
        persistent: true,
        autostart: false,
      });
      expect(info.raw.Messages).toBe(
        [
          "tainted: running with undesirable elevated privileges",
          "tainted: network configuration using opaque shell scripts",
          "tainted: use of host cdrom passthrough",
          "tainted: custom device tree blob used",
          "tainted: use of deprecated configuration settings",
          "deprecated configuration: CPU model Deprecated-Test",
        ].join("\n"),
      );
    });

    it("the domstate outputs in the same transcript read as running; the others are not dominfo", () => {
      for (const block of blocks.slice(9, 12))
        expect(parseVirshDomstate(block)).toEqual({ state: "running" });
      for (const block of [...blocks.slice(3, 9), blocks[12]!]) {
        expect(() => parseVirshDominfo(block)).toThrow(ParseError);
      }
    });

    it("the whole transcript (several records) is refused at the second record", () => {
      const err = parseErrorOf(() => parseVirshDominfo(loadSample(FILE, "libvirt-test-dominfo")));
      expect(err.details).toMatchObject({ tool: "virsh dominfo", line: "Id:             2" });
    });
  });

  it("pmhahn-dominfo-fragment: two memory lines only ('KiBB' typo) is not a dominfo record", () => {
    const sample = loadSample(FILE, "pmhahn-dominfo-fragment");
    expect(() => parseVirshDominfo(sample)).toThrow(/no "Id:" line/);
    const withHead = `\tId:             1\n\tName:           vm\n\tState:          running\n${sample}`;
    const err = parseErrorOf(() => parseVirshDominfo(withHead));
    expect(err.details).toMatchObject({ tool: "virsh dominfo", line: "Used memory: 2097152 KiBB" });
    // The same lines with the typo fixed read, TAB indentation and all.
    expect(parseVirshDominfo(withHead.replace("KiBB", "KiB"))).toMatchObject({
      name: "vm",
      id: 1,
      maxMemoryKiB: 2097152,
      usedMemoryKiB: 2097152,
    });
  });
});

describe("parseVirshDominfo", () => {
  it("reads a shut-off domain: id null, multi-word state, name with a space, autostart enabled", () => {
    const info = parseVirshDominfo(SHUT_OFF);
    expect(info).toMatchObject({
      name: "web 2",
      id: null,
      state: "shutoff",
      vcpus: 2,
      maxMemoryKiB: 4194304,
      usedMemoryKiB: 4194304,
      persistent: true,
      autostart: true,
    });
    expect(dominfoToDomainList(info).domains[0]).toEqual({
      name: "web 2",
      id: null,
      state: "shutoff",
      memoryKiB: 4194304,
      maxMemoryKiB: 4194304,
      vcpus: 2,
    });
  });

  it("'Max memory: no limit' is null; 'Persistent: unknown' and missing Autostart are omitted", () => {
    const text = SHUT_OFF.replace("4194304 KiB\nUsed", "no limit\nUsed")
      .replace("Persistent:     yes", "Persistent:     unknown")
      .replace(/Autostart:.*\n/, "")
      .replace(/CPU\(s\):.*\n/, "");
    const info = parseVirshDominfo(text);
    expect(info.maxMemoryKiB).toBeNull();
    expect(info).not.toHaveProperty("persistent");
    expect(info).not.toHaveProperty("autostart");
    expect(info).not.toHaveProperty("vcpus");
    expect(dominfoToDomainList(info).domains[0]).toEqual({
      name: "web 2",
      id: null,
      state: "shutoff",
      memoryKiB: 4194304,
    });
  });

  it("reads the 'kB' unit of releases before 2012 (same KiB values)", () => {
    const info = parseVirshDominfo(SHUT_OFF.replaceAll("4194304 KiB", "4194304 kB"));
    expect(info).toMatchObject({ maxMemoryKiB: 4194304, usedMemoryKiB: 4194304 });
  });

  it("tolerates unknown extra keys", () => {
    const info = parseVirshDominfo(`${SHUT_OFF}Future field:   some value: with colon\n`);
    expect(info.raw["Future field"]).toBe("some value: with colon");
    expect(info.state).toBe("shutoff");
  });

  it.each([
    ["in shutdown", "shutdown"],
    ["paused", "paused"],
    ["idle", "blocked"],
    ["crashed", "crashed"],
    ["pmsuspended", "pmsuspended"],
  ] as const)("maps State %s to %s", (word, state) => {
    expect(parseVirshDominfo(SHUT_OFF.replace("shut off", word)).state).toBe(state);
  });

  it("refuses an unknown state, naming the line", () => {
    for (const word of ["no state", "hibernating"]) {
      const err = parseErrorOf(() => parseVirshDominfo(SHUT_OFF.replace("shut off", word)));
      expect(err.details).toMatchObject({ tool: "virsh dominfo", line: `State: ${word}` });
    }
  });

  it.each([
    ["Id:             x", "Id: x"],
    ["Used memory:    4194304 MiB", "Used memory: 4194304 MiB"],
    ["Max memory:     lots", "Max memory: lots"],
    ["CPU(s):         two", "CPU(s): two"],
    ["Persistent:     maybe", "Persistent: maybe"],
    ["Autostart:      yes", "Autostart: yes"],
  ])("throws ParseError naming the line for %j", (bad, line) => {
    const key = bad.slice(0, bad.indexOf(":"));
    const text = SHUT_OFF.replace(new RegExp(`^${key.replace(/[()]/g, "\\$&")}:.*$`, "m"), bad);
    const err = parseErrorOf(() => parseVirshDominfo(text));
    expect(err.details).toMatchObject({ tool: "virsh dominfo", line });
  });

  it("throws ParseError for lines that are not 'Key: value', empty output and missing keys", () => {
    const err = parseErrorOf(() => parseVirshDominfo(`${SHUT_OFF.trimEnd()}\nerror: something\n`));
    expect(err.details).toMatchObject({ line: "error: something" });
    expect(parseErrorOf(() => parseVirshDominfo("")).message).toMatch(/empty output/);
    expect(() => parseVirshDominfo(SHUT_OFF.replace(/State:.*\n/, ""))).toThrow(/no "State:" line/);
    expect(() => parseVirshDominfo(SHUT_OFF.replace(/Used memory:.*\n/, ""))).toThrow(/no "Used memory:"/);
    const dup = parseErrorOf(() => parseVirshDominfo(`${SHUT_OFF}Name:           other\n`));
    expect(dup.details.line).toBe("Name:           other");
  });
});
