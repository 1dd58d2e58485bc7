/**
 * The job that creates a resource pair (issue 6), and the job that undoes what a failed one created. Both are
 * plans of the runbook engine (lib/runbooks), so they are journaled, locked per host and resource, cancellable
 * between steps and reconciled after a restart like any runbook.
 *
 * create: per host: the volume (when new), the resource file, metadata, up; then, on the initial Primary:
 * wait until connected, the initial sync decision, the filesystem and its mount (when asked), registration.
 * undo: in reverse, only what the failed job's journal shows it started: unmount, demote, down, the file set
 * aside, and the volumes it created itself, never another.
 */
import { AppError } from "../errors";
import { previewCommands } from "../runbooks/preview";
import type { JobView, NewResourcePlan, PlannedStep, RunbookPlan } from "../runbooks/types";
import type { CreateResourceCheck, TCreateResourceRequest } from "./create";

const DEADLINE_MS = {
  "create-lv": 120_000,
  "write-config": 60_000,
  "create-md": 120_000,
  "drbd-up": 120_000,
  "wait-connected": 120_000,
  "initial-sync": 120_000,
  mkfs: 3_600_000,
  mount: 120_000,
  register: 30_000,
  umount: 60_000,
  demote: 60_000,
  "drbd-down": 120_000,
  "remove-config": 60_000,
  "remove-lv": 120_000,
} as const;

export type Step = Omit<PlannedStep, "commands">;

export function withCommands(steps: Step[]): PlannedStep[] {
  return steps.map((s) => ({ ...s, commands: previewCommands(s, null) }));
}

/** The steps that take a resource down on a host, set its file aside and remove a volume (undo and delete). */
export const teardownSteps = {
  down: (name: string, host: string): Step => ({
    key: `drbd-down:${name}@${host}`,
    name: "drbd-down",
    host,
    resource: name,
    params: { resource: name },
    call: { method: "drbd.down", params: { resource: name } },
    idempotent: true,
    deadlineMs: DEADLINE_MS["drbd-down"],
  }),
  removeConfig: (name: string, host: string): Step => ({
    key: `remove-config:${name}@${host}`,
    name: "remove-config",
    host,
    resource: name,
    params: { resource: name },
    call: { method: "drbd.removeConfig", params: { resource: name } },
    idempotent: true,
    deadlineMs: DEADLINE_MS["remove-config"],
  }),
  /** `lv` defaults to the resource's name (a volume the create job made). */
  removeLv: (name: string, host: string, vg: string, lv: string = name): Step => ({
    key: `remove-lv:${vg}/${lv}@${host}`,
    name: "remove-lv",
    host,
    resource: name,
    params: { resource: name, vg, ...(lv === name ? {} : { lv }) },
    call: { method: "lvm.removeVolume", params: { vg, name: lv } },
    idempotent: true,
    deadlineMs: DEADLINE_MS["remove-lv"],
  }),
};

/**
 * A job that is not a runbook (a resource pair made, undone or deleted; a VM defined or removed): its steps
 * with their commands, and none of a runbook's memory plan, promotions or options.
 */
export function jobPlan(
  fields: Pick<RunbookPlan, "kind" | "from" | "to" | "resources" | "vms"> &
    Partial<Pick<RunbookPlan, "warnings" | "newResource" | "newVm">> & { steps: Step[] },
): RunbookPlan {
  return {
    warnings: [],
    ...fields,
    steps: withCommands(fields.steps),
    memory: null,
    promotions: [],
    restoreMemory: [],
    blockers: [],
    options: { confirmDown: false, force: false, forceOff: false },
  };
}

function resourcePlan(kind: RunbookPlan["kind"], r: NewResourcePlan, steps: Step[]): RunbookPlan {
  return jobPlan({
    kind,
    from: r.backing[0]!.host,
    to: r.backing[1]!.host,
    resources: [r.name],
    vms: [],
    steps,
    newResource: r,
  });
}

export function buildCreatePlan(request: TCreateResourceRequest, check: CreateResourceCheck): RunbookPlan {
  if (
    check.errors.length > 0 ||
    check.file === null ||
    check.minor === null ||
    check.port === null ||
    check.sizeBytes === null
  )
    throw new AppError("INTERNAL", "buildCreatePlan: the request has errors");
  const r: NewResourcePlan = {
    name: request.name,
    minor: check.minor,
    port: check.port,
    protocol: request.protocol,
    mountPoint: request.filesystem?.mountPoint ?? null,
    initialPrimary: request.initialPrimary,
    initialSync: request.initialSync,
    backing: check.backing,
    sizeBytes: check.sizeBytes,
    file: check.file,
  };
  const name = r.name;
  const device = `/dev/drbd${r.minor}`;
  const steps: Step[] = [];
  for (const b of r.backing) {
    if (b.create)
      steps.push({
        key: `create-lv:${b.vg}/${name}@${b.host}`,
        name: "create-lv",
        host: b.host,
        resource: name,
        params: {
          resource: name,
          vg: b.vg!,
          sizeBytes: r.sizeBytes,
          sizeMiB: Math.round(r.sizeBytes / 2 ** 20),
        },
        call: { method: "lvm.createVolume", params: { vg: b.vg, name, sizeBytes: r.sizeBytes } },
        idempotent: true,
        deadlineMs: DEADLINE_MS["create-lv"],
      });
    steps.push(
      {
        key: `write-config:${name}@${b.host}`,
        name: "write-config",
        host: b.host,
        resource: name,
        params: { resource: name },
        call: { method: "drbd.writeConfig", params: { resource: name } },
        idempotent: true,
        deadlineMs: DEADLINE_MS["write-config"],
      },
      {
        key: `create-md:${name}@${b.host}`,
        name: "create-md",
        host: b.host,
        resource: name,
        // --force only on a volume this job created: on an existing one drbdmeta asks, and with no one to answer
        // it refuses rather than overwrite what may be data.
        params: { resource: name, force: b.create },
        call: { method: "drbd.createMd", params: { resource: name, force: b.create } },
        idempotent: true,
        deadlineMs: DEADLINE_MS["create-md"],
      },
      {
        key: `drbd-up:${name}@${b.host}`,
        name: "drbd-up",
        host: b.host,
        resource: name,
        params: { resource: name },
        call: { method: "drbd.up", params: { resource: name } },
        idempotent: true,
        deadlineMs: DEADLINE_MS["drbd-up"],
      },
    );
  }
  const primary = r.initialPrimary;
  steps.push(
    {
      key: `wait-connected:${name}@${primary}`,
      name: "wait-connected",
      host: primary,
      resource: name,
      params: { resource: name },
      call: null,
      idempotent: true,
      deadlineMs: DEADLINE_MS["wait-connected"],
    },
    {
      key: `initial-sync:${name}@${primary}`,
      name: "initial-sync",
      host: primary,
      resource: name,
      params: { resource: name, mode: r.initialSync },
      call: { method: "drbd.primary", params: { resource: name, force: r.initialSync === "full" } },
      // A forced promotion is never repeated blindly: after a restart its effect is checked (done) first.
      idempotent: false,
      deadlineMs: DEADLINE_MS["initial-sync"],
    },
  );
  if (r.mountPoint)
    steps.push(
      {
        key: `mkfs:${name}@${primary}`,
        name: "mkfs",
        host: primary,
        resource: name,
        params: { resource: name, device },
        call: { method: "fs.mkfsExt4", params: { device, label: name } },
        idempotent: false,
        deadlineMs: DEADLINE_MS.mkfs,
      },
      {
        key: `mount:${name}@${primary}`,
        name: "mount",
        host: primary,
        resource: name,
        params: { resource: name, device, mountPoint: r.mountPoint },
        call: { method: "fs.mount", params: { device, mountPoint: r.mountPoint } },
        idempotent: true,
        deadlineMs: DEADLINE_MS.mount,
      },
    );
  steps.push({
    key: `register:${name}`,
    name: "register",
    host: primary,
    resource: name,
    params: { resource: name },
    call: null,
    idempotent: true,
    deadlineMs: DEADLINE_MS.register,
  });
  return resourcePlan("create-resource", r, steps);
}

/** Steps whose effect may be on a host: they ran, at least in part. */
const STARTED = new Set(["succeeded", "failed", "running"]);

/**
 * The undo of a create-resource job that failed or was cancelled: only what its journal shows it started, in
 * reverse. A volume is removed only if this job created it (its create-lv step succeeded).
 */
export function buildUndoPlan(job: JobView): RunbookPlan {
  const r = job.plan.newResource;
  if (job.kind !== "create-resource" || !r)
    throw new AppError("CONFLICT", `job ${job.id} did not create a resource: there is nothing to undo`, {
      details: { rule: "not-a-resource-job" },
    });
  if (job.status !== "failed" && job.status !== "cancelled")
    throw new AppError(
      "CONFLICT",
      `job ${job.id} is ${job.status}: only a failed or cancelled creation is undone (delete a created resource instead)`,
      { details: { rule: "not-undoable" } },
    );
  const started = (name: string, host?: string) =>
    job.steps.some(
      (s) => s.name === name && (host === undefined || s.host === host) && STARTED.has(s.status),
    );
  const name = r.name;
  const steps: Step[] = [];
  const primary = r.initialPrimary;
  if (r.mountPoint && started("mount"))
    steps.push({
      key: `umount:${name}@${primary}`,
      name: "umount",
      host: primary,
      resource: name,
      params: { resource: name, mountPoint: r.mountPoint },
      call: { method: "fs.umount", params: { mountPoint: r.mountPoint } },
      idempotent: true,
      deadlineMs: DEADLINE_MS.umount,
    });
  for (const b of [...r.backing].reverse())
    if (started("drbd-up", b.host) || started("create-md", b.host))
      steps.push(teardownSteps.down(name, b.host));
  for (const b of [...r.backing].reverse()) {
    if (started("write-config", b.host)) steps.push(teardownSteps.removeConfig(name, b.host));
    const created = job.steps.some(
      (s) => s.name === "create-lv" && s.host === b.host && s.status === "succeeded",
    );
    if (b.create && created) steps.push(teardownSteps.removeLv(name, b.host, b.vg!));
  }
  return resourcePlan("undo-create-resource", { ...r, undoes: job.id }, steps);
}
