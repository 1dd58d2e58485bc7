/**
 * A new DRBD resource pair (issue 6): the wizard's request, checked against what both hosts report (their volume
 * groups and volumes, their DRBD configuration, their addresses), with the minor and port proposed when not
 * given, and the resource file both hosts will share. Pure: the service gathers the facts and passes them in,
 * so a dry run and the job judge exactly the same way. Every refusal names its field and its rule.
 */
import { z } from "zod";
import { ZDevicePath, ZDrbdMinor, ZName, ZPort } from "../../agents/protocol/validation";
import { renderResourceFile } from "../../agents/drivers/drbd/resource-file";

const ZHost = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9.-]{0,62}$/, "must be a host name");
const ZIpv4 = z
  .string()
  .regex(
    /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/,
    "must be an IPv4 address",
  );

export const ZCreateResourceRequest = z
  .object({
    name: ZName,
    /** Size of the new volumes (MiB); with existing volumes, their size (both must have it). */
    sizeMiB: z
      .number()
      .int()
      .min(16, "must be at least 16 MiB")
      .max(64 * 1024 * 1024, "must be at most 64 TiB")
      .optional(),
    hosts: z
      .array(
        z
          .object({
            host: ZHost,
            /** Create the backing volume `<vg>/<name>` in this volume group... */
            vg: ZName.optional(),
            /** ...or use this existing, unused logical volume (`/dev/<vg>/<lv>`). */
            device: ZDevicePath.optional(),
            /** The address this host replicates on (one of its own). */
            address: ZIpv4,
          })
          .strict()
          .refine((h) => (h.vg === undefined) !== (h.device === undefined), {
            message: "must give either vg (a new volume) or device (an existing one), not both",
            path: ["vg"],
          }),
      )
      .length(2, "a resource has exactly two hosts"),
    port: ZPort.min(1024, "must be 1024 or above").optional(),
    minor: ZDrbdMinor.optional(),
    /** C (synchronous) unless the operator knowingly accepts losing the last writes (A, B). */
    protocol: z.enum(["A", "B", "C"]).default("C"),
    /** What DRBD does when the peer is unreachable: at least resource-only (never dont-care). */
    fencing: z.enum(["resource-only", "resource-and-stonith"]).default("resource-only"),
    /** Meant for live migration (a raw VM disk): dual-primary may be allowed during the migration window only. */
    liveMigration: z.boolean().default(false),
    initialPrimary: ZHost,
    initialSync: z.enum(["full", "skip"]),
    filesystem: z
      .object({ type: z.literal("ext4"), mountPoint: ZDevicePath })
      .strict()
      .nullable()
      .default(null),
    dryRun: z.boolean().default(false),
  })
  .strict();
export type TCreateResourceRequest = z.infer<typeof ZCreateResourceRequest>;

/** What one host reports for the wizard (GET /api/hosts/:name/storage, drbd.configured). */
export interface HostStorageFacts {
  host: string;
  reachable: boolean;
  vgs: Array<{ name: string; sizeBytes: number; freeBytes: number }>;
  lvs: Array<{ vg: string; lv: string; sizeBytes: number }>;
  /** Every resource of the host's DRBD configuration (drbd.configured). */
  configured: Array<{
    name: string;
    hosts: Array<{
      name: string;
      volumes: Array<{ minor: number | null; disk: string | null }>;
      port: number | null;
    }>;
  }>;
  /** The host's IPv4 addresses usable for replication (not loopback). */
  addresses: string[];
  /** Mount points in use on the host (from its mount table). */
  mountPoints: string[];
  /** The DRBD syntax the host's utils speak. */
  drbdSyntax: "9" | "8.4";
}

export interface FieldError {
  field: string;
  message: string;
}

export interface CreateResourceCheck {
  errors: FieldError[];
  /** Explanations the review shows (protocol A/B, live migration, a full sync's duration). */
  warnings: string[];
  /** The minor and port used: the request's, or the lowest free on both hosts. */
  minor: number | null;
  port: number | null;
  /** Bytes of each backing volume (new: rounded up to LVM's 4 MiB extents). */
  sizeBytes: number | null;
  /** Per host: the backing device, and whether Tandem creates it (only those are ever removed by an undo). */
  backing: Array<{ host: string; device: string; vg: string | null; create: boolean }>;
  /** The resource file, the same on both hosts (null while the request has errors). */
  file: string | null;
}

const MiB = 1024 * 1024;
const EXTENT = 4 * MiB;
/** DRBD's conventional first port. */
export const FIRST_PORT = 7788;

/** Checks a create request against both hosts' facts; proposes the minor and the port when absent. */
export function checkCreateResource(
  request: TCreateResourceRequest,
  facts: HostStorageFacts[],
  farm: { hosts: string[]; mountPoints: Array<{ resource: string; mountPoint: string }> },
): CreateResourceCheck {
  const errors: FieldError[] = [];
  const warnings: string[] = [];
  const fail = (field: string, message: string) => errors.push({ field, message });
  const [a, b] = request.hosts as [TCreateResourceRequest["hosts"][0], TCreateResourceRequest["hosts"][1]];

  // The hosts: the farm's two, both answering.
  request.hosts.forEach((h, i) => {
    if (!farm.hosts.includes(h.host))
      fail(`hosts.${i}.host`, `${h.host} is not a host of this farm (${farm.hosts.join(", ")})`);
    else if (!facts.find((f) => f.host === h.host)?.reachable)
      fail(`hosts.${i}.host`, `${h.host} does not answer: both hosts must be up to create a resource`);
  });
  if (a.host === b.host) fail("hosts.1.host", "must be the other host of the pair");
  if (!request.hosts.some((h) => h.host === request.initialPrimary))
    fail("initialPrimary", `must be one of the resource's hosts (${a.host}, ${b.host})`);
  if (errors.length > 0)
    return { errors, warnings, minor: null, port: null, sizeBytes: null, backing: [], file: null };
  const factsOf = (host: string) => facts.find((f) => f.host === host)!;

  // The name: not configured on either host, and no volume of that name where one will be created.
  for (const f of facts.filter((x) => request.hosts.some((h) => h.host === x.host)))
    if (f.configured.some((r) => r.name === request.name))
      fail("name", `is taken: a resource ${request.name} is configured on ${f.host}`);

  // Backing volumes.
  const backing: CreateResourceCheck["backing"] = [];
  const sizes: number[] = [];
  request.hosts.forEach((h, i) => {
    const f = factsOf(h.host);
    if (h.vg !== undefined) {
      const vg = f.vgs.find((v) => v.name === h.vg);
      if (!vg) {
        fail(
          `hosts.${i}.vg`,
          `${h.host} has no volume group ${h.vg} (it has ${f.vgs.map((v) => v.name).join(", ") || "none"})`,
        );
        return;
      }
      if (request.sizeMiB === undefined) {
        fail("sizeMiB", "is required when a new volume is created");
        return;
      }
      const bytes = Math.ceil((request.sizeMiB * MiB) / EXTENT) * EXTENT;
      if (f.lvs.some((l) => l.vg === h.vg && l.lv === request.name))
        fail(
          "name",
          `a volume ${h.vg}/${request.name} already exists on ${h.host}: choose another name, or use it as an existing device`,
        );
      if (bytes > vg.freeBytes)
        fail(
          "sizeMiB",
          `${request.sizeMiB} MiB does not fit in ${h.vg} on ${h.host}: ${Math.floor(vg.freeBytes / MiB)} MiB free`,
        );
      backing.push({ host: h.host, device: `/dev/${h.vg}/${request.name}`, vg: h.vg, create: true });
      sizes.push(bytes);
    } else {
      const device = h.device!;
      const m = /^\/dev\/([^/]+)\/([^/]+)$/.exec(device);
      const lv = m ? f.lvs.find((l) => l.vg === m[1] && l.lv === m[2]) : undefined;
      if (!lv) {
        fail(`hosts.${i}.device`, `${device} is not a logical volume of ${h.host} (give /dev/<vg>/<lv>)`);
        return;
      }
      const user = f.configured.find((r) =>
        r.hosts.some((x) => x.name === h.host && x.volumes.some((v) => v.disk === device)),
      );
      if (user) {
        fail(`hosts.${i}.device`, `${device} on ${h.host} is already the backing device of ${user.name}`);
        return;
      }
      backing.push({ host: h.host, device, vg: null, create: false });
      sizes.push(lv.sizeBytes);
      if (request.sizeMiB !== undefined && Math.abs(lv.sizeBytes - request.sizeMiB * MiB) >= EXTENT)
        fail(
          "sizeMiB",
          `is ${request.sizeMiB} MiB but ${device} on ${h.host} is ${Math.floor(lv.sizeBytes / MiB)} MiB`,
        );
    }
  });
  if (sizes.length === 2 && sizes[0] !== sizes[1] && request.hosts.some((h) => h.device !== undefined))
    fail(
      "hosts.1.device",
      `backing devices must be the same size: ${Math.floor(sizes[0]! / MiB)} MiB on ${a.host}, ${Math.floor(sizes[1]! / MiB)} MiB on ${b.host}`,
    );

  // Addresses: each one of its host's own, and not the same.
  request.hosts.forEach((h, i) => {
    const own = factsOf(h.host).addresses;
    if (!own.includes(h.address))
      fail(
        `hosts.${i}.address`,
        `${h.address} is not an address of ${h.host} (it has ${own.join(", ") || "none"})`,
      );
  });
  if (a.address === b.address) fail("hosts.1.address", "must differ from the other host's address");

  // Minor and port: free on both hosts (proposed when absent).
  const used = (pick: (r: HostStorageFacts["configured"][number]) => Array<number | null>) =>
    new Set(facts.flatMap((f) => f.configured.flatMap(pick)).filter((n): n is number => n !== null));
  const minors = used((r) => r.hosts.flatMap((h) => h.volumes.map((v) => v.minor)));
  const ports = used((r) => r.hosts.map((h) => h.port));
  const ownerOf = (test: (r: HostStorageFacts["configured"][number]) => boolean) =>
    facts.flatMap((f) => f.configured.filter(test).map((r) => `${r.name} on ${f.host}`))[0];
  let minor = request.minor ?? null;
  if (minor !== null && minors.has(minor))
    fail(
      "minor",
      `is taken by ${ownerOf((r) => r.hosts.some((h) => h.volumes.some((v) => v.minor === minor)))}`,
    );
  if (minor === null) for (minor = 0; minors.has(minor); minor++);
  let port = request.port ?? null;
  if (port !== null && ports.has(port))
    fail("port", `is taken by ${ownerOf((r) => r.hosts.some((h) => h.port === port))}`);
  if (port === null) for (port = FIRST_PORT; ports.has(port); port++);

  // Safety options.
  if (request.protocol !== "C")
    warnings.push(
      request.protocol === "A"
        ? "Protocol A acknowledges a write once it is on the local disk and in the send buffer: if this host fails, the last writes may be lost on the peer."
        : "Protocol B acknowledges a write once the peer has received it, before it is on the peer's disk: if both hosts lose power together, the last writes may be lost.",
    );
  if (request.liveMigration && request.filesystem)
    fail(
      "filesystem",
      "must be empty for a live-migration resource: ext4 is not a cluster filesystem and dual-primary would corrupt it",
    );
  if (request.liveMigration)
    warnings.push(
      "Live migration: both hosts may be Primary only during a migration (Tandem opens and closes that window); the file keeps allow-two-primaries off.",
    );

  // Initial sync: skipping it is only safe on two new, empty volumes.
  if (request.initialSync === "skip") {
    const existing = request.hosts.findIndex((h) => h.device !== undefined);
    if (existing !== -1)
      fail(
        "initialSync",
        `can be skipped only when both backing volumes are new (created now, so both are empty): hosts.${existing}.device is an existing volume, which may hold data`,
      );
  } else if (sizes.length === 2)
    warnings.push(
      `A full initial sync copies ${Math.floor(sizes[0]! / MiB)} MiB from ${request.initialPrimary} to the other host; the resource is usable on ${request.initialPrimary} at once.`,
    );

  // The mount point: not another resource's, not in use on either host.
  if (request.filesystem) {
    const mp = request.filesystem.mountPoint;
    const owner = farm.mountPoints.find((m) => m.mountPoint === mp);
    if (owner) fail("filesystem.mountPoint", `is the mount point of ${owner.resource}`);
    else
      for (const f of facts)
        if (f.mountPoints.includes(mp))
          fail("filesystem.mountPoint", `something is already mounted on ${mp} on ${f.host}`);
  }

  const sizeBytes = sizes.length === 2 ? Math.min(...sizes) : null;
  const syntax = facts.some((f) => f.drbdSyntax === "8.4") ? "8.4" : "9";
  const file =
    errors.length === 0
      ? renderResourceFile(
          {
            name: request.name,
            protocol: request.protocol,
            minor,
            port,
            fencing: request.fencing,
            hosts: request.hosts.map((h, i) => ({
              name: h.host,
              address: h.address,
              disk: backing[i]!.device,
            })),
          },
          syntax,
        )
      : null;
  return { errors, warnings, minor, port, sizeBytes, backing, file };
}
