/**
 * Placing a VM on a resource, below the panel: the templates checked by the real libvirt (its RNG schema with
 * virt-xml-validate, and `virsh define` + `start` in libvirt's own test driver), the host's bridges read by the
 * real iproute2 in a network namespace, and the agent's vm.define / vm.undefine / fs.createImage / host.bridges
 * on the simulated farm: an xl host writes the config file, a libvirt host runs `virsh define`, the stand-in
 * hypervisors learn the new VM from what was written and start it where its disk opens.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AgentClient } from "../../lib/agent-client/client";
import { hostXenConfigDir } from "../../agents/sim/store";
import {
  macFor,
  renderLibvirtXml,
  renderXenConfig,
  type TVmDefinition,
} from "../../agents/drivers/vm/definition";
import { parseDomainXml } from "../../agents/drivers/libvirt/parse-virsh-dumpxml";
import { ipLinkArgv, parseIpLinkBridges } from "../../agents/drivers/net/ip-link";
import { createTempSimFarm, refusalOf, startSimAgents, type TempSimFarm } from "../helpers/sim";

const new1 = (overrides: Partial<TVmDefinition> = {}): TVmDefinition => ({
  name: "new1",
  vcpus: 1,
  memoryMiB: 256,
  maxMemoryMiB: 512,
  disk: "/srv/r1/new1.img",
  network: { bridge: "xenbr0", mac: macFor("new1", "xen") },
  ...overrides,
});

describe("the libvirt template, checked by the real libvirt", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-xml-"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string) => {
    const file = path.join(dir, `${name}.xml`);
    fs.writeFileSync(file, text);
    return file;
  };
  const kvm = (overrides: Partial<TVmDefinition> = {}) =>
    new1({ network: { bridge: "br0", mac: macFor("new1", "kvm") }, ...overrides });

  it("passes libvirt's domain schema (raw DRBD device, image file, VLAN on Open vSwitch), and a broken one does not", () => {
    for (const [name, def] of [
      ["raw", kvm({ disk: "/dev/drbd5" })],
      ["file", kvm()],
      ["vlan", kvm({ network: { bridge: "ovsbr0", vlan: 20, mac: macFor("new1", "kvm") } })],
    ] as const) {
      const r = spawnSync("virt-xml-validate", [write(name, renderLibvirtXml(def)), "domain"], {
        encoding: "utf8",
      });
      expect(r.status, `${name}: ${r.stderr}`).toBe(0);
    }
    const broken = renderLibvirtXml(kvm()).replace(
      "<vcpu placement='static'>",
      "<vcpu placement='anywhere'>",
    );
    expect(spawnSync("virt-xml-validate", [write("broken", broken), "domain"]).status).not.toBe(0);
  });

  it("is defined and started by virsh in libvirt's test driver, which reads back the same VM", () => {
    const file = write("def", renderLibvirtXml(kvm({ disk: "/dev/drbd5", vcpus: 2 })));
    // One virsh process: the test driver's state lives as long as its connection.
    const r = spawnSync("virsh", ["-c", "test:///default", `define ${file}; start new1; dumpxml new1`], {
      encoding: "utf8",
      env: { ...process.env, LC_ALL: "C" },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Domain 'new1' defined from ${file}`);
    expect(r.stdout).toContain("Domain 'new1' started");
    const xml = parseDomainXml(r.stdout.slice(r.stdout.indexOf("<domain")));
    expect(xml).toMatchObject({
      name: "new1",
      memoryKiB: 512 * 1024,
      currentMemoryKiB: 256 * 1024,
      vcpus: 2,
      disks: [{ type: "block", source: "/dev/drbd5", target: "vda" }],
    });
    expect(xml.id).not.toBeNull();
  });
});

describe("a host's bridges, from the real iproute2", () => {
  const ns = `tandem-br-${process.pid}`;
  afterAll(() => spawnSync("ip", ["netns", "del", ns]));

  it("finds Linux bridges and nothing else in a network namespace", () => {
    const add = (...args: string[]) => {
      const r = spawnSync("ip", ["-n", ns, ...args], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
    };
    expect(spawnSync("ip", ["netns", "add", ns]).status).toBe(0);
    add("link", "add", "xenbr0", "type", "bridge");
    add("link", "add", "veth0", "type", "veth", "peer", "name", "veth1");
    add("link", "set", "xenbr0", "up");
    const r = spawnSync("ip", ["netns", "exec", ns, ...ipLinkArgv()], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(parseIpLinkBridges(r.stdout)).toEqual([{ name: "xenbr0", kind: "bridge", up: true }]);
  });
});

describe("vm.define on the simulated farm", () => {
  let farm: TempSimFarm;
  let clients: Record<string, AgentClient> = {};
  afterEach(() => {
    for (const c of Object.values(clients)) c.stop();
    clients = {};
    farm.remove();
  });

  it("xl hosts: an image on r1, the config on both hosts, started on the Primary, refused on the Secondary, removed", async () => {
    farm = createTempSimFarm();
    farm.store.setSpeed(20);
    clients = await startSimAgents(farm);
    const [xen1, xen2] = [clients["xen1"]!, clients["xen2"]!];

    // The image: only in the top directory of a mounted DRBD filesystem, never over an existing file.
    await xen1.call("fs.createImage", { path: "/srv/r1/new1.img", sizeMiB: 4096 });
    expect(farm.store.read().resources["r1"]!.images).toEqual({ "new1.img": 4096 });
    expect(
      await refusalOf(xen1.call("fs.createImage", { path: "/srv/r1/new1.img", sizeMiB: 1 })),
    ).toMatchObject({
      code: "COMMAND_FAILED",
      message: expect.stringContaining("File exists"),
    });
    for (const [client, file] of [
      [xen2, "/srv/r1/other.img"], // r1 is Secondary there: not mounted
      [xen1, "/tmp/new1.img"],
      [xen1, "/srv/r1/images/new1.img"], // below the top directory
    ] as const)
      expect(await refusalOf(client.call("fs.createImage", { path: file, sizeMiB: 1 }))).toMatchObject({
        code: "VALIDATION_FAILED",
        details: expect.objectContaining({ field: "path" }),
      });
    expect(farm.store.read().resources["r1"]!.images).toEqual({ "new1.img": 4096 });

    const defined = await xen1.call("vm.define", { definition: new1() });
    expect(defined).toEqual({
      path: path.join(hostXenConfigDir(farm.simDir, "xen1"), "new1.cfg"),
      config: renderXenConfig(new1(), "xl"),
    });
    expect(fs.readFileSync(defined.path!, "utf8")).toBe(renderXenConfig(new1(), "xl"));
    await xen2.call("vm.define", { definition: new1() });
    for (const client of [xen1, xen2])
      expect((await client.call("vm.list", {})).vms.find((v) => v.name === "new1")).toEqual({
        name: "new1",
        domId: null,
        state: "shutoff",
        memoryMiB: 256,
        maxMemoryMiB: 512,
        vcpus: 1,
        disks: ["/srv/r1/new1.img"],
      });
    // A taken name, on this host: refused, the file left as it was.
    expect(await refusalOf(xen1.call("vm.define", { definition: new1({ memoryMiB: 512 }) }))).toMatchObject({
      code: "CONFLICT",
      details: expect.objectContaining({ field: "name" }),
    });
    expect(await refusalOf(xen1.call("vm.define", { definition: new1({ name: "db1" }) }))).toMatchObject({
      code: "CONFLICT",
    });
    expect(fs.readFileSync(defined.path!, "utf8")).toBe(renderXenConfig(new1(), "xl"));

    // The Secondary cannot open the disk; the Primary starts it (the stand-in xl learned it from the file).
    expect(await refusalOf(xen2.call("vm.start", { name: "new1" }))).toMatchObject({
      code: "COMMAND_FAILED",
    });
    await xen1.call("vm.start", { name: "new1" });
    expect(farm.store.read().vms["new1"]).toMatchObject({ host: "xen1", resource: "r1", state: "running" });
    expect((await xen1.call("vm.list", {})).vms.find((v) => v.name === "new1")).toMatchObject({
      state: "running",
      memoryMiB: 256,
      maxMemoryMiB: 512,
    });

    // Not while it runs; then the file is kept aside, and the VM is gone from the host's list.
    expect(await refusalOf(xen1.call("vm.undefine", { name: "new1" }))).toMatchObject({ code: "CONFLICT" });
    await xen1.call("vm.destroy", { name: "new1" });
    await xen1.call("vm.undefine", { name: "new1" });
    expect(fs.existsSync(defined.path!)).toBe(false);
    expect(fs.readFileSync(`${defined.path!}.removed`, "utf8")).toBe(renderXenConfig(new1(), "xl"));
    expect((await xen1.call("vm.list", {})).vms.map((v) => v.name)).not.toContain("new1");
    expect(await refusalOf(xen1.call("vm.undefine", { name: "new1" }))).toMatchObject({ code: "NOT_FOUND" });

    expect((await xen1.call("host.bridges", {})).bridges).toEqual([
      { name: "xenbr0", kind: "bridge", up: true },
      { name: "ovsbr0", kind: "openvswitch", up: true },
    ]);
  });

  it("a libvirt host: virsh define of a raw-device VM on r1, defined on this host only, started, undefined", async () => {
    farm = createTempSimFarm({ hypervisor: { xen1: "libvirt" } });
    farm.store.setSpeed(20);
    clients = await startSimAgents(farm);
    const xen1 = clients["xen1"]!;
    const def = new1({ disk: "/dev/drbd1", network: { bridge: "br0", mac: macFor("new1", "kvm") } });

    expect(await xen1.call("vm.define", { definition: def })).toEqual({
      path: null,
      config: renderLibvirtXml(def),
    });
    expect((await xen1.call("vm.list", {})).vms.find((v) => v.name === "new1")).toEqual({
      name: "new1",
      domId: null,
      state: "shutoff",
      memoryMiB: 256,
      maxMemoryMiB: 512,
      vcpus: 1,
      disks: ["/dev/drbd1"],
    });
    expect(farm.store.read().vms["new1"]).toMatchObject({ resource: "r1", definedOn: ["xen1"] });
    expect(await refusalOf(xen1.call("vm.define", { definition: def }))).toMatchObject({ code: "CONFLICT" });

    await xen1.call("vm.start", { name: "new1" });
    expect(await refusalOf(xen1.call("vm.undefine", { name: "new1" }))).toMatchObject({ code: "CONFLICT" });
    await xen1.call("vm.destroy", { name: "new1" });
    await xen1.call("vm.undefine", { name: "new1" });
    expect(farm.store.read().vms["new1"]).toBeUndefined();
    expect((await xen1.call("host.bridges", {})).bridges.map((b) => b.name)).toEqual(["br0", "ovsbr0"]);
  });
});
