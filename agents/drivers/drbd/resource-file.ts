/**
 * DRBD resource files (/etc/drbd.d/<name>.res): render from a validated spec, validate with the real
 * `drbdadm dump`, write atomically keeping the previous version, read back.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { AppError } from "../../protocol/errors";
import { ZDevicePath, ZDrbdMinor, ZName, ZPort } from "../../protocol/validation";
import { drbdDumpArgv } from "./commands";
import { runDrbd } from "./run";

const ZIpv4 = z
  .string()
  .regex(
    /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/,
    "must be an IPv4 address",
  );

/** After split brain, never discard data automatically (farm-design.md; safety rules): disconnect and wait for a human. */
const AFTER_SB_SAFE = "disconnect";

export const ZDrbdResourceSpec = z
  .object({
    name: ZName,
    /** C (synchronous) unless the caller has chosen otherwise knowingly. */
    protocol: z.enum(["A", "B", "C"]).default("C"),
    minor: ZDrbdMinor,
    port: ZPort,
    hosts: z
      .array(z.object({ name: ZName, address: ZIpv4, disk: ZDevicePath }).strict())
      .length(2, "a resource has exactly two hosts")
      .refine((h) => h[0]!.name !== h[1]!.name, "the two hosts must differ"),
    /** Only for a live-migration window (set at runtime, not in the file, by the runbooks). */
    allowTwoPrimaries: z.boolean().default(false),
    fencing: z.enum(["dont-care", "resource-only", "resource-and-stonith"]).default("resource-only"),
  })
  .strict();
export type TDrbdResourceSpec = z.input<typeof ZDrbdResourceSpec>;

/** The resource file for DRBD 9 (node-id per host) or 8.4 syntax. Values are validated, so no quoting is needed. */
export function renderResourceFile(input: TDrbdResourceSpec, syntax: "8.4" | "9" = "9"): string {
  const spec = ZDrbdResourceSpec.parse(input);
  const hosts = spec.hosts
    .map(
      (h, i) =>
        `  on ${h.name} {\n${syntax === "9" ? `    node-id ${i};\n` : ""}    disk ${h.disk};\n    address ipv4 ${h.address}:${spec.port};\n  }\n`,
    )
    .join("");
  return [
    `# Written by Tandem. Edit through Tandem: a copy of the previous version is kept as ${spec.name}.res.prev.`,
    `resource ${spec.name} {`,
    `  device /dev/drbd${spec.minor};`,
    `  meta-disk internal;`,
    `  net {`,
    `    protocol ${spec.protocol};`,
    `    allow-two-primaries ${spec.allowTwoPrimaries ? "yes" : "no"};`,
    `    after-sb-0pri ${AFTER_SB_SAFE};`,
    `    after-sb-1pri ${AFTER_SB_SAFE};`,
    `    after-sb-2pri ${AFTER_SB_SAFE};`,
    // Fencing moved from the disk section (8.4) to the net section (9).
    ...(syntax === "9" ? [`    fencing ${spec.fencing};`] : []),
    `  }`,
    ...(syntax === "8.4" ? [`  disk {`, `    fencing ${spec.fencing};`, `  }`] : []),
    hosts.trimEnd(),
    `}`,
    "",
  ].join("\n");
}

/**
 * Checks a resource file with the real `drbdadm -c <file> dump <name>` (it must name this host in an `on`
 * section). Resolves with drbdadm's normalized dump; throws DRBD_CONFIG_INVALID with drbdadm's message.
 */
export async function validateResourceFile(
  content: string,
  name: string,
  syntax: "8.4" | "9" = "9",
): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-res-"));
  const file = path.join(dir, `${ZName.parse(name)}.res`);
  try {
    fs.writeFileSync(file, content, { mode: 0o600 });
    return await runDrbd(
      drbdDumpArgv(name, { configFile: file, ...(syntax === "8.4" ? { drbdadm: drbdadm84() } : {}) }),
    );
  } catch (err) {
    if (err instanceof AppError && (err.code === "NOT_FOUND" || err.code === "COMMAND_FAILED")) {
      throw new AppError("DRBD_CONFIG_INVALID", err.message, { details: err.details });
    }
    throw err;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** drbd-utils 9's 8.4 parser when installed (it dispatches to it on 8.4 kernels); plain drbdadm otherwise (utils 8.4). */
function drbdadm84(): string {
  return ["/lib/drbd/drbdadm-84", "/usr/lib/drbd/drbdadm-84"].find((p) => fs.existsSync(p)) ?? "drbdadm";
}

export interface WrittenResourceFile {
  path: string;
  /** Where the replaced version was kept, or null when there was none. */
  previousPath: string | null;
}

/**
 * Validates, then writes `<dir>/<name>.res` atomically (temp file, fsync, rename); the version it replaces
 * is kept as `<name>.res.prev`. Nothing changes when validation fails.
 */
export async function writeResourceFile(
  dir: string,
  name: string,
  content: string,
  syntax: "8.4" | "9" = "9",
): Promise<WrittenResourceFile> {
  ZName.parse(name);
  await validateResourceFile(content, name, syntax);
  const target = path.join(dir, `${name}.res`);
  const previous = `${target}.prev`;
  const tmp = `${target}.tandem-${process.pid}.tmp`;
  const fd = fs.openSync(tmp, "w", 0o644);
  try {
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  const hadPrevious = fs.existsSync(target);
  if (hadPrevious) fs.copyFileSync(target, previous);
  fs.renameSync(tmp, target);
  return { path: target, previousPath: hadPrevious ? previous : null };
}

export function readResourceFile(dir: string, name: string): string {
  const file = path.join(dir, `${ZName.parse(name)}.res`);
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT")
      throw new AppError("NOT_FOUND", `${file} does not exist`);
    throw err;
  }
}

/**
 * Takes `<dir>/<name>.res` out of the configuration by renaming it to `<name>.res.removed` (drbd.conf includes
 * `*.res` only), replacing an older removed copy. `removed` is false when there was no file.
 */
export function removeResourceFile(dir: string, name: string): { removed: boolean; keptAs: string | null } {
  const file = path.join(dir, `${ZName.parse(name)}.res`);
  if (!fs.existsSync(file)) return { removed: false, keptAs: null };
  const kept = `${file}.removed`;
  fs.renameSync(file, kept);
  return { removed: true, keptAs: kept };
}
