/**
 * Which farm the panel manages: the hosts of tandem.config.json when that file exists; otherwise the two onboarded
 * hosts an administrator chose (the "farm" setting, written only by `chooseOnboardedFarm`); otherwise the simulated
 * farm. The choice is read once at start: switching restarts the panel (docs/adr/0015-farm-from-onboarded-hosts.md).
 */
import { z } from "zod";
import type { Db } from "../db";
import { ZHostName } from "../config";
import { AppError } from "../errors";
import { ZDevicePath, ZName } from "../../agents/protocol/validation";
import type { SecretBox } from "../auth/secret-box";
import type { FarmHostSpec } from "../farm/farm-service";
import type { ResourceMeta } from "../farm/view";
import { createSshTransport, type SshTransport } from "../transport/ssh";
import type { ManagedHost } from "../../generated/prisma/client";

export const FARM_SETTING = "farm";

/** The body of `POST /api/farm/source`: the pair, what each keeps free for the other's VMs, and mount points. */
export const ZFarmSelection = z
  .object({
    hosts: z
      .array(ZHostName)
      .length(2, "must name exactly two hosts (one DRBD pair)")
      .refine((h) => h[0] !== h[1], "must name two different hosts"),
    /** Memory each host keeps free to take over the other's VMs, MiB (the paper keeps 1 GiB). */
    standbyMiB: z
      .number()
      .int("must be a whole number of MiB")
      .min(0, "must be 0 or more MiB")
      .max(1_048_576, "must be at most 1 TiB")
      .default(1024),
    /** Where each resource's filesystem is mounted on its Primary (the runbooks fsck and mount it); none = raw. */
    resources: z
      .array(z.object({ name: ZName, mountPoint: ZDevicePath.nullable() }).strict())
      .max(500, "must list at most 500 resources")
      .refine((rs) => new Set(rs.map((r) => r.name)).size === rs.length, "must name each resource once")
      .default([]),
  })
  .strict();
export type TFarmSelection = z.infer<typeof ZFarmSelection>;

export type FarmSource =
  { kind: "simulated" } | { kind: "config"; file: string } | { kind: "onboarded"; selection: TFarmSelection };

/** The chosen pair, or null. A setting that does not parse stops the start: silently managing another farm is worse. */
export async function readFarmSelection(db: Db): Promise<TFarmSelection | null> {
  const row = await db.setting.findUnique({ where: { key: FARM_SETTING } });
  if (!row) return null;
  const parsed = ZFarmSelection.safeParse(JSON.parse(row.valueJson));
  if (!parsed.success)
    throw new AppError(
      "VALIDATION_FAILED",
      `the farm setting is invalid: ${parsed.error.issues[0]?.message}`,
    );
  return parsed.data;
}

/** A host may join the farm once its key is pinned and the agent answered through the panel's key. */
function usable(h: ManagedHost | null, name: string): asserts h is ManagedHost {
  if (!h)
    throw new AppError("VALIDATION_FAILED", `hosts: ${name} is not onboarded`, {
      userMessage: `Invalid hosts: ${name} is not an onboarded host.`,
      details: { field: "hosts", rule: "must be onboarded hosts" },
    });
  if (h.status !== "ready" || !h.pinnedSha256 || !h.privateKeySealed)
    throw new AppError("CONFLICT", `${name} is ${h.status}, not ready`, {
      userMessage: `${name} is not ready: pin its key, install the agent and test the connection first.`,
      details: { rule: "both hosts must have passed the connection test", host: name, status: h.status },
    });
}

/** Checks the pair and stores it as the farm. Nothing else writes the setting. */
export async function chooseOnboardedFarm(db: Db, selection: TFarmSelection): Promise<void> {
  for (const name of selection.hosts) usable(await db.managedHost.findUnique({ where: { name } }), name);
  await db.setting.upsert({
    where: { key: FARM_SETTING },
    create: { key: FARM_SETTING, valueJson: JSON.stringify(selection) },
    update: { valueJson: JSON.stringify(selection) },
  });
}

/** Back to the simulated farm (or tandem.config.json) at the next start. */
export async function forgetOnboardedFarm(db: Db): Promise<boolean> {
  return (await db.setting.deleteMany({ where: { key: FARM_SETTING } })).count > 0;
}

/**
 * The farm's hosts from the database: an SSH transport per host with its pinned key and the panel's key pair for
 * it (opened from its seal only here, in memory). A host whose key later changed keeps its pinned key: the session
 * is refused and the monitor opens the incident, until an administrator re-pins it (`repin` on its transport).
 */
export async function onboardedFarmHosts(
  db: Db,
  box: SecretBox,
  selection: TFarmSelection,
): Promise<{ hosts: FarmHostSpec[]; resources: ResourceMeta[]; transports: Map<string, SshTransport> }> {
  const hosts: FarmHostSpec[] = [];
  const transports = new Map<string, SshTransport>();
  for (const name of selection.hosts) {
    const h = await db.managedHost.findUnique({ where: { name } });
    if (!h?.pinnedSha256 || !h.privateKeySealed)
      throw new AppError("CONFLICT", `the farm names ${name}, which has no pinned key any more`);
    const transport = createSshTransport({
      host: h.address,
      port: h.port,
      username: h.user,
      privateKey: box.open(h.privateKeySealed, `hostkey:${h.name}`),
      hostKeySha256: h.pinnedSha256,
      // The key's forced command runs the agent whatever is asked; this is what a log shows.
      agentArgv: [h.nodePath, h.agentPath, "serve"],
    });
    transports.set(h.name, transport);
    hosts.push({ name: h.name, address: h.address, standbyMiB: selection.standbyMiB, transport });
  }
  return { hosts, resources: selection.resources.map((r) => ({ ...r })), transports };
}
