/** The xm and libvirt hypervisors read genuine tool outputs (recorded) through their real parsers. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createHypervisor } from "../../../agents/hypervisor";
import { loadSample } from "../helpers/fixtures";

function recorded(outputs: Record<string, string>) {
  const calls: string[] = [];
  return {
    calls,
    run: async (argv: readonly string[]) => {
      const key = argv.join(" ");
      calls.push(key);
      const out = outputs[key];
      if (out === undefined) throw new Error(`unexpected command: ${key}`);
      return out;
    },
  };
}

describe("xen-xm hypervisor", () => {
  const cfgDir = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-xm-"));
  fs.writeFileSync(
    path.join(cfgDir, "db1.cfg"),
    'name = "db1"\nmemory = 1024\nmaxmem = 2048\ndisk = [ "phy:/dev/drbd1,xvda,w" ]\n',
  );
  const { run } = recorded({
    "xm info": loadSample("xen_info.txt", "xm-info-4.0.1"),
    "xm list": loadSample("xen_xm_list.txt", "xen-xm-list-4.0.1-dom0-only"),
    "xm list --long": loadSample("xen_xm_list_long_sexpr.txt", "xm-list-long-4.0.1"),
  });
  const hv = createHypervisor("xen-xm", { xenConfigDirs: [cfgDir], run });

  it("reads host facts from xm info and dom0's memory from xm list", async () => {
    expect(await hv.hostInfo()).toEqual({
      hostname: "host.example.com",
      totalKiB: 16378 * 1024,
      freeKiB: 8004 * 1024,
      dom0KiB: 1023 * 1024,
      cpus: 4,
      versions: { xen: "4.0.1" },
    });
  });

  it("lists running domains from xm list --long (without dom0) and stopped ones from config files", async () => {
    const vms = await hv.listVms();
    expect(vms.map((v) => [v.name, v.domId, v.state, v.memoryMiB, v.maxMemoryMiB])).toEqual([
      ["db1", null, "shutoff", 1024, 2048],
      ["instance1.example.com", 119, "blocked", 128, 128],
    ]);
    expect(vms[0]?.disks).toEqual(["/dev/drbd1"]);
  });
});

describe("libvirt hypervisor", () => {
  const xml = loadSample("libvirt_domain_xml.txt", "live-kvm-veil");
  const { run, calls } = recorded({
    "virsh list --all": loadSample("virsh_list.txt", "libvirt-test-list-all"),
    "virsh dumpxml -- fv0": xml,
    "virsh dumpxml -- fc4": xml,
    "virsh dumpxml -- fc5": xml,
    "virsh hostname": "kvm1\n",
    "virsh nodeinfo": loadSample("virsh_host_memory.txt", "nodeinfo-libvirt-test"),
    "virsh freecell --all":
      "    0:     1048576 KiB\n    1:      524288 KiB\n--------------------\nTotal:     1572864 KiB\n",
    "virsh --version": "9.0.0\n",
  });
  const hv = createHypervisor("libvirt", { xenConfigDirs: [], run });

  it("reads host facts from nodeinfo and freecell", async () => {
    expect(await hv.hostInfo()).toEqual({
      hostname: "kvm1",
      totalKiB: 3145728,
      freeKiB: 1572864,
      cpus: 16,
      versions: { libvirt: "9.0.0" },
    });
  });

  it("lists domains with memory from their XML, reading each XML once while nothing changes", async () => {
    const vms = await hv.listVms();
    expect(vms.map((v) => [v.name, v.domId, v.state])).toEqual([
      ["fc4", 2, "running"],
      ["fc5", 3, "running"],
      ["fv0", 1, "running"],
    ]);
    expect(vms[0]?.maxMemoryMiB).toBeGreaterThan(0);
    expect(vms[0]?.memoryMiB).toBeLessThanOrEqual(vms[0]!.maxMemoryMiB);
    const dumps = () => calls.filter((c) => c.startsWith("virsh dumpxml")).length;
    expect(dumps()).toBe(3);
    await hv.listVms();
    expect(dumps()).toBe(3);
  });
});

describe("xen-xl hypervisor", () => {
  const header = "Name                                        ID   Mem VCPUs      State   Time(s)\n";
  const row = (name: string, id: number, mem: number) =>
    `${name.padEnd(40)} ${String(id).padStart(5)} ${String(mem).padStart(5)}     1     -b----      1.0\n`;
  const long = (doms: Array<[string, number, number]>) =>
    JSON.stringify(
      doms.map(([name, domid, maxMiB]) => ({
        domid,
        config: { c_info: { name }, b_info: { max_memkb: maxMiB * 1024 } },
      })),
    );
  let table = header + row("Domain-0", 0, 1024) + row("web1", 3, 1024) + row("db1", 4, 512);
  let longText = long([
    ["web1", 3, 2048],
    ["db1", 4, 512],
  ]);
  const calls: string[] = [];
  const hv = createHypervisor("xen-xl", {
    xenConfigDirs: [],
    run: async (argv) => {
      calls.push(argv.join(" "));
      return argv.includes("-l") ? longText : table;
    },
  });
  const longReads = () => calls.filter((c) => c === "xl list -l").length;

  it("reads xl list -l only when a domain appears or outgrows its known maximum", async () => {
    expect((await hv.listVms()).map((v) => `${v.name}:${v.memoryMiB}/${v.maxMemoryMiB}`)).toEqual([
      "db1:512/512",
      "web1:1024/2048",
    ]);
    expect(longReads()).toBe(1);
    table = header + row("Domain-0", 0, 1024) + row("web1", 3, 1536); // db1 stopped, web1 ballooned up within its max
    expect((await hv.listVms()).map((v) => `${v.name}:${v.memoryMiB}/${v.maxMemoryMiB}`)).toEqual([
      "web1:1536/2048",
    ]);
    expect(longReads()).toBe(1);
    table += row("mail1", 7, 1024); // a new domain
    longText = long([
      ["web1", 3, 2048],
      ["mail1", 7, 1024],
    ]);
    expect((await hv.listVms()).map((v) => v.name)).toEqual(["mail1", "web1"]);
    expect(longReads()).toBe(2);
  });
});
