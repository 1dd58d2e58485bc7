/**
 * The data of runbooks and jobs (issue 5): what a plan holds, what the journal stores, what the API returns.
 * A plan is pure data (JSON in the database), so a job interrupted by a panel restart can be reconciled and
 * resumed from it: each step's behaviour is looked up by its `name` (steps.ts).
 */
import { z } from "zod";
import type { TVmDefinition } from "../../agents/drivers/vm/definition";
import type { TCommandRecord } from "../../agents/protocol/schemas";
import type { MemoryPlan } from "./memory-plan";
import type { PromotionDecision } from "./promotion";

/** The runbooks that move a host's resources and VMs to the other host (POST /api/runbooks). */
export const RUNBOOK_KINDS = ["failover", "switchover", "failback"] as const;
export type RunbookKind = (typeof RUNBOOK_KINDS)[number];
/** Every kind of job the engine runs: the runbooks, and creating a resource pair (issue 6) or undoing that. */
export const JOB_KINDS = [
  ...RUNBOOK_KINDS,
  "create-resource",
  "undo-create-resource",
  "delete-resource",
  // Placing a VM on a resource, and removing its definition (lib/vms).
  "define-vm",
  "delete-vm",
  // The guided recovery of a split brain (lib/monitor/split-brain.ts).
  "split-brain-recovery",
] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export const JOB_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const STEP_STATUSES = ["pending", "running", "succeeded", "failed", "skipped", "cancelled"] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export const STEP_NAMES = [
  "fence",
  "promote",
  "fsck",
  "mount",
  "umount",
  "demote",
  "shutdown-vm",
  "start-vm",
  "balloon",
  "check-memory",
  // Creating a resource pair (lib/resources/steps.ts), and undoing it.
  "create-lv",
  "write-config",
  "create-md",
  "drbd-up",
  "wait-connected",
  "initial-sync",
  "mkfs",
  "register",
  "drbd-down",
  "remove-config",
  "remove-lv",
  "unregister",
  // Placing a VM on a resource (lib/vms/steps.ts), and removing its definition.
  "create-image",
  "define-vm",
  "register-vm",
  "undefine-vm",
  "unregister-vm",
  // Split-brain recovery (lib/monitor/split-brain.ts).
  "disconnect",
  "connect",
  "wait-synced",
] as const;
export type StepName = (typeof STEP_NAMES)[number];

/** One step of a plan: what it does, where, with which parameters, and the commands it will run. */
export interface PlannedStep {
  /** Unique in the job, e.g. "promote:r1@xen2". */
  key: string;
  name: StepName;
  host: string;
  resource?: string;
  vm?: string;
  params: Record<string, string | number | boolean>;
  /** The agent call the step makes (method and params): the exact request, whatever the host's tools. */
  call: { method: string; params: Record<string, unknown> } | null;
  /** The commands the agent will run for it, as argv (the host's toolstack decides; see preview.ts). */
  commands: string[][];
  /**
   * Whether running the step again after an interruption is harmless. A step that is not (promote, start)
   * is only ever repeated after its effect was checked to be absent: see engine.ts reconcile().
   */
  idempotent: boolean;
  /** Real milliseconds the step may take, verification included. */
  deadlineMs: number;
}

export interface PlanWarning {
  code: string;
  message: string;
}

/** Something that stops the runbook before it starts (the plan is shown, the job refused with 409). */
export interface PlanBlocker {
  rule: string;
  message: string;
  resource?: string;
  /** The promotion gate's refusal can be overridden with force (admin, data loss accepted). */
  forceable?: boolean;
}

export interface RunbookPlan {
  kind: JobKind;
  from: string;
  to: string;
  /** Resources that change host, in step order. */
  resources: string[];
  /** VMs that change host (started on `to`, or stopped on `from` first). */
  vms: string[];
  steps: PlannedStep[];
  /** The memory plan on the host that receives the VMs; null when nothing has to be planned. */
  memory: (MemoryPlan & { explanations: Record<string, string> }) | null;
  /** The promotion gate's decision per resource, as the plan saw the farm. */
  promotions: Array<{ resource: string; host: string; decision: PromotionDecision }>;
  /** For failback: the memory each VM on `from` had before the failover, restored at the end. */
  restoreMemory: Array<{ vm: string; memoryMiB: number }>;
  warnings: PlanWarning[];
  blockers: PlanBlocker[];
  options: { confirmDown: boolean; force: boolean; forceOff: boolean };
  /** create-resource / undo-create-resource: the resource pair being made (lib/resources). */
  newResource?: NewResourcePlan;
  /** define-vm / delete-vm: the VM placed on a resource, or removed (lib/vms). */
  newVm?: NewVmPlan;
}

export interface NewVmPlan {
  /** What both hosts get (rendered in each one's format by its agent). */
  definition: TVmDefinition;
  resource: string;
  /** The image file made on the resource's filesystem; null for a raw device (or a deletion). */
  image: { path: string; sizeMiB: number } | null;
  /** Its failover settings (the inventory's Vm row). */
  policy: { priority: number; minMemoryMiB: number; required: boolean };
  start: boolean;
}

export interface NewResourcePlan {
  name: string;
  minor: number;
  port: number;
  protocol: "A" | "B" | "C";
  mountPoint: string | null;
  initialPrimary: string;
  initialSync: "full" | "skip";
  /** Per host: the backing device, and whether this job creates it (only those are ever removed by an undo). */
  backing: Array<{ host: string; device: string; vg: string | null; create: boolean }>;
  sizeBytes: number;
  /** The resource file, the same on both hosts. */
  file: string;
  /** undo-create-resource: the job whose work is undone. */
  undoes?: string;
}

export const ZRunbookRequest = z
  .object({
    kind: z.enum(RUNBOOK_KINDS),
    from: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9.-]{0,62}$/, "must be a host name"),
    to: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9.-]{0,62}$/, "must be a host name"),
    dryRun: z.boolean().default(false),
    /** Failover: the operator confirms `from` is powered off (it cannot be reached, so Tandem cannot tell). */
    confirmDown: z.boolean().default(false),
    /** Promote a side whose data is not UpToDate: "I accept losing the newer data" (admins only). */
    force: z.boolean().default(false),
    /** Switchover/failback: force off VMs that do not shut down before their deadline. */
    forceOff: z.boolean().default(false),
    /** Seconds a VM may take to shut down cleanly before the job stops and asks. */
    shutdownTimeoutSec: z.number().int().min(5).max(3600).default(120),
  })
  .strict();
export type TRunbookRequest = z.infer<typeof ZRunbookRequest>;

/** One agent call a step made, with the commands it ran (the journal's evidence). */
export interface CallRecord {
  host: string;
  method: string;
  params: Record<string, unknown>;
  startedAt: string;
  durationMs: number | null;
  /** null while it runs (written before the call, completed after). */
  ok: boolean | null;
  error?: { code: string; message: string };
  commands: TCommandRecord[];
}

export interface StepDetail {
  calls: CallRecord[];
  /** Why the step failed, was skipped, or what reconciliation found. */
  note?: string;
  error?: { code: string; message: string };
}

/** GET /api/jobs/:id */
export interface JobView {
  id: string;
  kind: JobKind;
  status: JobStatus;
  from: string;
  to: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  steps: Array<{
    key: string;
    name: StepName;
    host: string;
    params: Record<string, string | number | boolean>;
    status: StepStatus;
    startedAt: string | null;
    finishedAt: string | null;
    note: string | null;
    error: { code: string; message: string } | null;
    commands: Array<TCommandRecord & { host: string; method: string }>;
  }>;
  plan: RunbookPlan;
  report: JobReport | null;
}

export interface JobReport {
  /** Per VM that moved: how long it was not running (switchover/failback: from its clean shutdown to its start). */
  downtime: Array<{ vm: string; seconds: number }>;
  /** Failover: per VM started, seconds from the job's start (when it died is not known to the panel). */
  restoredAfter?: Array<{ vm: string; seconds: number }>;
  /** What a restart found and did (reconciliation). */
  reconciliation?: string;
  /** Memory re-planned during the job (a balloon stopped above its target). */
  replanned?: string;
  summary: string;
}
