/**
 * `node agents/dist/tandem-agent.js parse <format> [file]` with plain node: one genuine sample per format,
 * checked against its family's result shape and for a value that matters; malformed input exits 2 naming
 * the line. (Every sample of every format is checked field by field in tests/unit/drivers.)
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  ZDomainList,
  ZDrbdReport,
  ZHostInfo,
  ZLvmGroups,
  ZLvmVolumes,
  ZMemStats,
} from "../../agents/parsers/shapes";
import { PARSE_FORMATS } from "../../agents/parsers/registry";
import { loadSample, stripPrompt } from "../unit/helpers/fixtures";
import { DIST } from "../helpers/sim";

const BUNDLE = path.join(DIST, "tandem-agent.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-parse-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function parse(format: string, input: string, viaFile = false) {
  const file = path.join(tmp, `${format}.txt`);
  if (viaFile) fs.writeFileSync(file, input);
  const r = spawnSync("node", [BUNDLE, "parse", format, ...(viaFile ? [file] : [])], {
    input: viaFile ? "" : input,
    encoding: "utf8",
  });
  return {
    status: r.status,
    json: r.status === 0 ? (JSON.parse(r.stdout) as unknown) : undefined,
    stderr: r.stderr,
  };
}

const ZError = z.object({ code: z.string(), message: z.string() });
const ZDomstate = z.object({ state: z.string(), reason: z.string().optional() });

/* eslint-disable @typescript-eslint/no-explicit-any -- results are checked by their zod shape first */
const first = (v: any) => (v.devices ?? v.domains ?? v.volumes ?? v.groups)[0];

/** format → [fixture file, sample id, result shape, a value its first entry (or the whole result) must contain] */
const CASES: Record<string, [string, string, z.ZodType, object]> = {
  "proc-drbd": ["proc_drbd_84.txt", "84-multi", ZDrbdReport, { minor: 0, role: "Primary", disk: "UpToDate" }],
  "drbd-status": ["drbd9_status.txt", "cfs-syncsource", ZDrbdReport, { role: "Primary" }],
  "drbd-status-json": [
    "drbd9_status_json.txt",
    "salt-beijing",
    ZDrbdReport,
    { minor: 5, resource: "beijing" },
  ],
  "drbd-events2": [
    "drbd9_events2.txt",
    "centreon-3node-now-statistics",
    ZDrbdReport,
    { minor: 1, role: "Secondary" },
  ],
  "drbd-error": ["drbdadm_errors.txt", "weak-need-uptodate-84", ZError, { code: "DRBD_NEED_UPTODATE" }],
  "virsh-list": ["virsh_list.txt", "libvirt-test-list-all", ZDomainList, {}],
  "virsh-dominfo": ["virsh_dominfo.txt", "kvm-before-setmem", ZDomainList, {}],
  "virsh-dommemstat": ["virsh_dommemstat.txt", "pmhahn-full", ZMemStats, {}],
  "virsh-dumpxml": ["libvirt_domain_xml.txt", "live-kvm-veil", ZDomainList, {}],
  "virsh-nodeinfo": [
    "virsh_host_memory.txt",
    "nodeinfo-libvirt-test",
    z.object({ totalMemKiB: z.number(), cpus: z.number() }),
    {},
  ],
  "xl-list": ["xen_xl_list.txt", "xl44-crashed", ZDomainList, { name: "Domain-0", id: 0, state: "running" }],
  "xl-info": [
    "xen_info.txt",
    "xm-info-4.0.1",
    ZHostInfo,
    { totalMemKiB: 16378 * 1024, freeMemKiB: 8004 * 1024, cpus: 4 },
  ],
  "xm-list": ["xen_xm_list.txt", "xen-xm-list-4.0.1-dom0-only", ZDomainList, { name: "Domain-0", id: 0 }],
  "xm-list-long": ["xen_xm_list_long_sexpr.txt", "xm-list-long-4.0.1", ZDomainList, {}],
  "xm-info": ["xen_info.txt", "xm-info-4.0.1", ZHostInfo, { cpus: 4 }],
  "lvs-json": ["lvm_reportformat_json.txt", "man-lvs-json", ZLvmVolumes, {}],
  "lvs-plain": ["lvm_vgs_lvs_plain.txt", "cfs-lvs", ZLvmVolumes, {}],
};

describe("tandem-agent parse", () => {
  it("has a case here for every format it offers but the ones covered below", () => {
    const covered = new Set([
      ...Object.keys(CASES),
      "xl-list-long",
      "vgs-json",
      "vgs-plain",
      "virsh-error",
      "virsh-domstate",
    ]);
    expect(Object.keys(PARSE_FORMATS).filter((f) => !covered.has(f))).toEqual([]);
  });

  it.each(Object.entries(CASES))("%s", (format, [file, id, schema, expected]) => {
    const r = parse(format, stripPrompt(loadSample(file, id)), true);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(schema.safeParse(r.json).success).toBe(true);
    const value = r.json as any;
    expect(
      value.devices || value.domains || value.volumes || value.groups ? first(value) : value,
    ).toMatchObject(expected);
  });

  it("reads stdin when no file is named", () => {
    // `vgs --noheadings --units b --nosuffix`: LVM's default columns
    const r = parse("vgs-plain", "  vg0   1   2   0 wz--n- 1073741824 536870912\n");
    expect(r.stderr).toBe("");
    expect(ZLvmGroups.parse(r.json)).toEqual({
      groups: [{ vg: "vg0", sizeBytes: 1073741824, freeBytes: 536870912 }],
    });
    const state = parse("virsh-domstate", "shut off (crashed)\n");
    expect(ZDomstate.parse(state.json)).toEqual({ state: "shutoff", reason: "crashed" });
  });

  it("exits 2 on malformed input, naming the offending line", () => {
    const r = parse(
      "proc-drbd",
      "version: 8.4.11 (api:1/proto:86-101)\n 0: cs:Connected ro:Primary/Bogus ds:UpToDate/UpToDate C r-----\n",
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("ro:Primary/Bogus");
  });

  it("exits 2 on an unknown format and lists the formats", () => {
    const r = parse("nope", "");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/formats: .*proc-drbd/);
  });
});
