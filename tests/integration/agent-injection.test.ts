/**
 * Every agent method refuses hostile names, paths and numbers before any command runs: the agent runs with
 * a PATH of tripwire tools that record every argv they are called with.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentClient } from "../../lib/agent-client/client";
import { AppError } from "../../lib/errors";
import { METHODS, type MethodName } from "../../agents/protocol/methods";
import { INJECTION_CORPUS } from "../helpers/injection";
import { startBundledAgent } from "../helpers/sim";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-tripwire-"));
const bin = path.join(dir, "bin");
const log = path.join(dir, "calls.log");
const TOOLS = [
  "drbdadm",
  "drbdsetup",
  "xl",
  "xm",
  "virsh",
  "lvs",
  "vgs",
  "lvcreate",
  "lvremove",
  "blkid",
  "fsck",
  "mount",
  "umount",
  "mkfs.ext4",
];
let client: AgentClient;

beforeAll(async () => {
  fs.mkdirSync(bin);
  for (const tool of TOOLS) {
    // Records its argv (one per line) and prints nothing but a version: any use of a refused value would show here.
    const version =
      tool === "drbdadm"
        ? `[ "$1" = --version ] && printf 'DRBDADM_VERSION=9.22.0\\nDRBD_KERNEL_VERSION=9.2.8\\n'\n`
        : "";
    fs.writeFileSync(
      path.join(bin, tool),
      `#!/bin/sh\nprintf '%s\\n' "${tool} $*" >> '${log}'\n${version}exit 0\n`,
      {
        mode: 0o755,
      },
    );
  }
  fs.writeFileSync(log, "");
  client = await startBundledAgent("tripwire", {
    xenConfigDir: dir,
    path: `${bin}:/usr/bin:/bin`,
    args: ["--drbd-config-dir", dir],
  });
});
afterAll(() => {
  client?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A valid call of every method that takes parameters; each string field is then replaced by hostile values. */
const VALID: Partial<Record<MethodName, Record<string, unknown>>> = {
  "drbd.up": { resource: "r1" },
  "drbd.down": { resource: "r1" },
  "drbd.adjust": { resource: "r1" },
  "drbd.secondary": { resource: "r1" },
  "drbd.disconnect": { resource: "r1" },
  "drbd.invalidate": { resource: "r1" },
  "drbd.primary": { resource: "r1", force: false },
  "drbd.connect": { resource: "r1", discardMyData: false },
  "drbd.createMd": { resource: "r1" },
  "drbd.newCurrentUuid": { resource: "r1", clearBitmap: true },
  "drbd.readConfig": { resource: "r1" },
  "drbd.removeConfig": { resource: "r1" },
  "drbd.validateConfig": { resource: "r1", content: "resource r1 {}" },
  "drbd.writeConfig": { resource: "r1", content: "resource r1 {}" },
  "vm.start": { name: "web1" },
  "vm.shutdown": { name: "web1" },
  "vm.destroy": { name: "web1" },
  "vm.setMemory": { name: "web1", memoryMiB: 512 },
  "vm.setMaxMemory": { name: "web1", memoryMiB: 2048 },
  "lvm.listVolumes": { vg: "vg0" },
  "lvm.createVolume": { vg: "vg0", name: "r5", sizeBytes: 8 * 1024 * 1024 },
  "lvm.removeVolume": { vg: "vg0", name: "r5" },
  "fs.blkid": { device: "/dev/drbd1" },
  "fs.fsck": { device: "/dev/drbd1" },
  "fs.mount": { device: "/dev/drbd1", mountPoint: "/srv/r1" },
  "fs.umount": { mountPoint: "/srv/r1" },
  "fs.mkfsExt4": { device: "/dev/drbd5", label: "r5" },
  "fs.isMounted": { mountPoint: "/srv/r1" },
  "fs.createImage": { path: "/srv/r1/web9.img", sizeMiB: 1024 },
  "vm.undefine": { name: "web9" },
  "vm.define": {
    definition: {
      name: "web9",
      vcpus: 1,
      memoryMiB: 256,
      maxMemoryMiB: 512,
      disk: "/srv/r1/web9.img",
      network: { bridge: "xenbr0", vlan: 10, mac: "00:16:3e:12:34:56" },
    },
  },
};
const FREE_TEXT = new Set(["content"]); // validated by drbdadm itself, never part of an argv

/** Every leaf of a parameter object (nested objects too), with its path. */
function leaves(value: Record<string, unknown>, prefix: string[] = []): Array<[string[], unknown]> {
  return Object.entries(value).flatMap(([key, v]): Array<[string[], unknown]> =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? leaves(v as Record<string, unknown>, [...prefix, key])
      : [[[...prefix, key], v]],
  );
}

/** A copy of `value` with the leaf at `at` replaced. */
function withLeaf(value: Record<string, unknown>, at: string[], leaf: unknown): Record<string, unknown> {
  const copy = structuredClone(value);
  let node: Record<string, unknown> = copy;
  for (const key of at.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[at.at(-1)!] = leaf;
  return copy;
}

function hostileVariants(field: string, value: string): string[] {
  if (value.startsWith("/")) {
    // Paths: hostile values as given (not absolute) and inside a path where they could break out.
    return [
      ...INJECTION_CORPUS,
      ...INJECTION_CORPUS.filter((b) => /[^A-Za-z0-9._+/-]/.test(b) || b.split("/").includes("..")).map(
        (b) => `/srv/${b}`,
      ),
    ];
  }
  void field;
  return INJECTION_CORPUS;
}

describe("every method refuses hostile parameters before running anything", () => {
  it("covers every method that takes parameters", () => {
    const withParams = (Object.keys(METHODS) as MethodName[]).filter((m) => {
      const shape = (METHODS[m].params as unknown as { shape?: Record<string, unknown> }).shape ?? {};
      return Object.keys(shape).length > 0 && m !== "agent.hello";
    });
    expect(withParams.filter((m) => !VALID[m])).toEqual([]);
  });

  it.each(Object.entries(VALID))("%s", async (method, valid) => {
    const before = fs.readFileSync(log, "utf8").length;
    for (const [fieldPath, value] of leaves(valid)) {
      const field = fieldPath.join(".");
      if (typeof value !== "string" || FREE_TEXT.has(field)) continue;
      for (const bad of hostileVariants(field, value)) {
        const err = await client
          .call(method as MethodName, withLeaf(valid, fieldPath, bad) as never)
          .catch((e: unknown) => e);
        expect(err, `${method} ${field}=${JSON.stringify(bad)}`).toBeInstanceOf(AppError);
        expect((err as AppError).code, `${method} ${field}=${JSON.stringify(bad)}`).toBe("VALIDATION_FAILED");
      }
    }
    for (const [fieldPath, value] of leaves(valid)) {
      if (typeof value !== "number") continue;
      for (const bad of [-1, 0.5, 1e18, Number.NaN]) {
        const err = await client
          .call(method as MethodName, withLeaf(valid, fieldPath, bad) as never)
          .catch((e: unknown) => e);
        expect((err as AppError).code, `${method} ${fieldPath.join(".")}=${bad}`).toBe("VALIDATION_FAILED");
      }
    }
    const unknownField = await client
      .call(method as MethodName, { ...valid, extra: "x" } as never)
      .catch((e: unknown) => e);
    expect((unknownField as AppError).code).toBe("VALIDATION_FAILED");
    // Only the background watchers (events2, xl list) may have run; nothing carried a refused value.
    const calls = fs.readFileSync(log, "utf8").slice(before);
    for (const line of calls.split("\n").filter(Boolean)) {
      expect(line, "a tool ran with a method's parameters").toMatch(
        /^(drbdsetup events2|xl list|xl info|drbdadm --version)/,
      );
    }
  });

  it("a valid call does reach the tool, with the value as one argv element (the tripwire works)", async () => {
    await client.call("drbd.up", { resource: "r1" });
    expect(fs.readFileSync(log, "utf8")).toMatch(/^drbdadm up r1$/m);
  });
});
