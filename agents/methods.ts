/**
 * The agent's method handlers: each validated call (params already checked against agents/protocol) becomes
 * one or a few argv runs through the drivers. Nothing here builds a command string.
 */
import fs from "node:fs";
import path from "node:path";
import type { z } from "zod";
import { AppError, toAppError } from "./protocol/errors";
import { METHODS, PROTOCOL_VERSION, type MethodName } from "./protocol/methods";
import { execArgv, runChecked } from "./exec";
import { AGENT_VERSION } from "./protocol/version";
import {
  drbdAdjustArgv,
  drbdConnectArgv,
  drbdCreateMdArgv,
  drbdDisconnectArgv,
  drbdDownArgv,
  drbdDumpXmlArgv,
  drbdInvalidateArgv,
  drbdNewCurrentUuidArgv,
  drbdPrimaryArgv,
  drbdSecondaryArgv,
  drbdUpArgv,
  type DrbdSyntax,
} from "./drivers/drbd/commands";
import { readDrbdStatus, readDrbdVersions, statusSourceOf, type DrbdHost } from "./drivers/drbd/driver";
import {
  readResourceFile,
  removeResourceFile,
  validateResourceFile,
  writeResourceFile,
} from "./drivers/drbd/resource-file";
import { parseDrbdDumpXml } from "./drivers/drbd/parse-dump-xml";
import { ipAddrArgv, parseIpAddrJson } from "./drivers/net/ip-addr";
import { runDrbd } from "./drivers/drbd/run";
import {
  blkidArgv,
  ddSparseImageArgv,
  fsckArgv,
  mkfsExt4Argv,
  mountArgv,
  umountArgv,
} from "./drivers/fs/commands";
import { ipLinkArgv, parseIpLinkBridges } from "./drivers/net/ip-link";
import { parseBlkidExport, parseProcMounts } from "./drivers/fs/parse";
import { lvcreate, lvremove, lvsJson, vgsJson } from "./drivers/lvm/commands";
import { parseLvsJson, parseVgsJson } from "./drivers/lvm/parse-lvm-report";
import type { Hypervisor } from "./hypervisor";

export interface MethodContext {
  hypervisor: Hypervisor;
  simulated: boolean;
  /** Where resource files live (/etc/drbd.d). */
  drbdConfigDir: string;
  /** The mount table (/proc/mounts). */
  mountsFile: string;
  /** DRBD 8.x's state file (/proc/drbd), read when drbd-utils are older than 9. */
  procDrbdFile: string;
  /** This host's DRBD versions, syntax and status source (detected once per session). */
  drbd: () => Promise<DrbdHost>;
  /** Resources the event stream saw DRBD report split brain for (it says so once; a full read cannot see it). */
  splitBrain?: () => ReadonlySet<string>;
  log: (message: string) => void;
}

export type Handlers = {
  [M in MethodName]: (
    params: z.output<(typeof METHODS)[M]["params"]>,
  ) => Promise<z.input<(typeof METHODS)[M]["result"]>>;
};

const OK = { ok: true as const };

export function createHandlers(ctx: MethodContext): Handlers {
  const { hypervisor } = ctx;
  const syntax = async (): Promise<DrbdSyntax> => (await ctx.drbd()).syntax;
  const drbd = async (build: (s: DrbdSyntax) => string[]) => {
    await runDrbd(build(await syntax()));
    return OK;
  };
  const configSyntax = async (): Promise<"8.4" | "9"> => ((await syntax()) === "9" ? "9" : "8.4");

  return {
    "agent.hello": async () => ({
      agentVersion: AGENT_VERSION,
      protocolVersion: PROTOCOL_VERSION,
      capabilities: ["drbd.events", "vm.poll", "heartbeat"],
      simulated: ctx.simulated,
    }),
    "host.facts": async () => {
      const info = await hypervisor.hostInfo();
      const drbdVersions = await readDrbdVersions().catch((err: unknown) => {
        ctx.log(`drbdadm --version: ${toAppError(err).message}`);
        return {};
      });
      return {
        hostname: info.hostname,
        hypervisor: hypervisor.kind,
        memory: {
          totalKiB: info.totalKiB,
          freeKiB: info.freeKiB,
          ...(info.dom0KiB === undefined ? {} : { dom0KiB: info.dom0KiB }),
        },
        cpus: info.cpus,
        versions: { ...info.versions, ...drbdVersions },
      };
    },
    "drbd.status": async () => {
      const status = await readDrbdStatus(statusSourceOf(await ctx.drbd(), ctx.procDrbdFile));
      const split = ctx.splitBrain?.() ?? new Set<string>();
      for (const r of status.resources)
        if (split.has(r.name) && !r.connections.some((c) => c.connection === "Connected"))
          r.splitBrain = true;
      return status;
    },
    "drbd.version": () => ctx.drbd(),
    "drbd.up": ({ resource }) => drbd((s) => drbdUpArgv(s, resource)),
    "drbd.down": ({ resource }) => drbd((s) => drbdDownArgv(s, resource)),
    "drbd.adjust": ({ resource }) => drbd((s) => drbdAdjustArgv(s, resource)),
    "drbd.secondary": ({ resource }) => drbd((s) => drbdSecondaryArgv(s, resource)),
    "drbd.disconnect": ({ resource }) => drbd((s) => drbdDisconnectArgv(s, resource)),
    "drbd.invalidate": ({ resource }) => drbd((s) => drbdInvalidateArgv(s, resource)),
    "drbd.primary": ({ resource, force }) => drbd((s) => drbdPrimaryArgv(s, resource, { force })),
    "drbd.connect": ({ resource, discardMyData }) =>
      drbd((s) => drbdConnectArgv(s, resource, { discardMyData })),
    "drbd.createMd": async ({ resource, force }) => ({
      ok: true as const,
      output: await runDrbd(drbdCreateMdArgv(await syntax(), resource, { force })),
    }),
    "drbd.newCurrentUuid": ({ resource }) =>
      drbd((s) => drbdNewCurrentUuidArgv(s, resource, { clearBitmap: true })),
    "drbd.readConfig": async ({ resource }) => ({
      path: path.join(ctx.drbdConfigDir, `${resource}.res`),
      content: readResourceFile(ctx.drbdConfigDir, resource),
    }),
    "drbd.validateConfig": async ({ resource, content }) => ({
      dump: await validateResourceFile(content, resource, await configSyntax()),
    }),
    "drbd.writeConfig": async ({ resource, content }) =>
      writeResourceFile(ctx.drbdConfigDir, resource, content, await configSyntax()),
    "drbd.configured": async () => ({ resources: parseDrbdDumpXml(await runDrbd(drbdDumpXmlArgv())) }),
    "drbd.removeConfig": async ({ resource }) => {
      const status = await readDrbdStatus(statusSourceOf(await ctx.drbd(), ctx.procDrbdFile));
      if (status.resources.some((r) => r.name === resource))
        throw new AppError(
          "CONFLICT",
          `${resource} is up on this host: take it down before removing its file`,
          {
            userMessage: `${resource} is still up on this host; it must be down before its configuration is removed.`,
          },
        );
      return removeResourceFile(ctx.drbdConfigDir, resource);
    },
    "host.addresses": async () => ({ addresses: parseIpAddrJson(await runChecked(ipAddrArgv())) }),
    "host.bridges": async () => ({ bridges: parseIpLinkBridges(await runChecked(ipLinkArgv())) }),
    "vm.list": async () => ({ vms: await hypervisor.listVms() }),
    "vm.define": ({ definition }) => hypervisor.define(definition),
    "vm.undefine": async ({ name }) => (await hypervisor.undefine(name), OK),
    "vm.start": async ({ name, memoryMiB }) => (
      await hypervisor.start(name, memoryMiB === undefined ? {} : { memoryMiB }),
      OK
    ),
    "vm.shutdown": async ({ name }) => (await hypervisor.shutdown(name), OK),
    "vm.destroy": async ({ name }) => (await hypervisor.destroy(name), OK),
    "vm.setMemory": async ({ name, memoryMiB }) => (await hypervisor.setMemory(name, memoryMiB), OK),
    "vm.setMaxMemory": async ({ name, memoryMiB }) => (await hypervisor.setMaxMemory(name, memoryMiB), OK),
    "lvm.listVolumes": async ({ vg }) =>
      parseLvsJson(await runChecked(lvsJson(vg)), vg === undefined ? {} : { vg }),
    "lvm.listGroups": async () => parseVgsJson(await runChecked(vgsJson())),
    "lvm.createVolume": async ({ vg, name, sizeBytes }) => (
      await runChecked(lvcreate(vg, name, sizeBytes)),
      OK
    ),
    "lvm.removeVolume": async ({ vg, name }) => (await runChecked(lvremove(vg, name)), OK),
    "fs.blkid": async ({ device }) => {
      const r = await execArgv(blkidArgv(device));
      if (r.exitCode === 2 && !r.timedOut) return { type: null, uuid: null, label: null }; // no signature
      if (r.exitCode !== 0 || r.timedOut)
        throw new AppError("COMMAND_FAILED", `blkid ${device} exited ${r.exitCode}`, {
          details: { argv: r.argv, exitCode: r.exitCode, stderr: r.stderr },
        });
      const v = parseBlkidExport(r.stdout);
      return { type: v.TYPE ?? null, uuid: v.UUID ?? null, label: v.LABEL ?? null };
    },
    "fs.fsck": async ({ device }) => {
      const r = await execArgv(fsckArgv(device), { timeoutMs: METHODS["fs.fsck"].timeoutMs });
      if (r.timedOut || r.exitCode === null)
        throw new AppError("COMMAND_TIMEOUT", `fsck ${device} did not finish`, { details: { argv: r.argv } });
      // fsck(8): 0 no errors, 1 errors corrected; 2 and above need a reboot or a human.
      return { exitCode: r.exitCode, clean: r.exitCode <= 1, output: (r.stdout + r.stderr).slice(-4000) };
    },
    "fs.mount": async ({ device, mountPoint, fsType }) => {
      // A missing mount point is made first, as Pacemaker's Filesystem agent does: the peer of a new resource
      // has never mounted it, and its first failover must not fail on a directory. (A simulated host has no
      // directories of its own: its mount stand-in keeps the table.)
      if (!ctx.simulated) fs.mkdirSync(mountPoint, { recursive: true, mode: 0o755 });
      await runChecked(mountArgv(device, mountPoint, fsType));
      return OK;
    },
    "fs.umount": async ({ mountPoint }) => (await runChecked(umountArgv(mountPoint)), OK),
    "fs.mkfsExt4": async ({ device, label }) => (await runChecked(mkfsExt4Argv(device, label)), OK),
    "fs.createImage": async ({ path: file, sizeMiB }) => {
      // Only directly in a mounted DRBD filesystem: an image elsewhere would not be replicated to the peer.
      const dir = path.posix.dirname(file);
      const entry = parseProcMounts(fs.readFileSync(ctx.mountsFile, "utf8")).findLast(
        (m) => m.mountPoint === dir,
      );
      if (!entry || !/^\/dev\/drbd/.test(entry.device))
        throw new AppError("VALIDATION_FAILED", `${dir} is not a mounted DRBD filesystem on this host`, {
          details: { field: "path", rule: "in the top directory of a mounted DRBD device" },
          userMessage: `${dir} is not where a DRBD resource is mounted on this host.`,
        });
      await runChecked(ddSparseImageArgv(file, sizeMiB));
      return OK;
    },
    "fs.isMounted": async ({ mountPoint }) => {
      const entry = parseProcMounts(fs.readFileSync(ctx.mountsFile, "utf8")).findLast(
        (m) => m.mountPoint === mountPoint,
      );
      return { mounted: entry !== undefined, device: entry?.device ?? null, fsType: entry?.fsType ?? null };
    },
  };
}
