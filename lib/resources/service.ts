/**
 * Creating a resource pair from the wizard (POST /api/resources) and undoing a failed creation
 * (POST /api/jobs/:id/undo). The request is checked against both hosts and the file validated by drbdadm on
 * each; a dry run stops there, otherwise the job starts on the runbook engine.
 */
import { AppError } from "../errors";
import type { FarmService } from "../farm/farm-service";
import type { ResourceMeta } from "../farm/view";
import type { RunbookEngine } from "../runbooks/engine";
import type { RunbookPlan } from "../runbooks/types";
import type { FieldError, TCreateResourceRequest } from "./create";
import { buildCreatePlan, buildUndoPlan } from "./plan";
import { dryRunCreateResource, type CreateResourceDryRun } from "./storage";

export type CreateResourceAnswer =
  | { kind: "dry-run"; dryRun: CreateResourceDryRun; plan: RunbookPlan | null }
  | { kind: "refused"; errors: FieldError[] }
  | { kind: "started"; jobId: string; plan: RunbookPlan };

export async function createResource(
  deps: { farm: FarmService; runbooks: RunbookEngine; resources: ResourceMeta[] },
  request: TCreateResourceRequest,
): Promise<CreateResourceAnswer> {
  const dry = await dryRunCreateResource(deps.farm, deps.resources, request);
  const errors: FieldError[] = [
    ...dry.errors,
    ...dry.validation
      .filter((v) => !v.ok)
      .map((v) => ({
        field: "file",
        message: `drbdadm on ${v.host} refused the generated file: ${v.message}`,
      })),
  ];
  const plan = errors.length === 0 ? buildCreatePlan(request, dry) : null;
  if (request.dryRun) return { kind: "dry-run", dryRun: dry, plan };
  if (!plan) return { kind: "refused", errors };
  return { kind: "started", jobId: await deps.runbooks.start(plan), plan };
}

export async function undoCreateResource(
  runbooks: RunbookEngine,
  jobId: string,
): Promise<{ jobId: string; plan: RunbookPlan }> {
  const job = await runbooks.journal.get(jobId);
  if (!job) throw new AppError("NOT_FOUND", `no job ${jobId}`, { userMessage: `No job ${jobId}.` });
  const plan = buildUndoPlan(job);
  if (plan.steps.length === 0)
    throw new AppError("CONFLICT", `job ${jobId} changed nothing on the hosts: there is nothing to undo`, {
      details: { rule: "nothing-to-undo" },
    });
  return { jobId: await runbooks.start(plan), plan };
}
