/**
 * The runbook engine (issue 5): plans a runbook from the live farm, runs it as a job one step at a time, journals
 * every step and agent call (journal.ts), keeps one job per host and per resource, lets an operator cancel
 * between steps, and after a restart reconciles a job the previous process left unfinished.
 */
import { AppError, toAppError } from "../errors";
import type { Db } from "../db";
import type { FarmService } from "../farm/farm-service";
import type { ResourceMeta } from "../farm/view";
import type { MethodName, ParamsOf, ResultOf } from "../../agents/protocol/methods";
import type { TDrbdStatus } from "../../agents/protocol/schemas";
import { runFence, type FenceDevice } from "./fence";
import { JobJournal } from "./journal";
import { buildPlan } from "./plan";
import { loadVmPolicies } from "./policies";
import { STEP_BEHAVIOURS, type StepBehaviour, type StepContext } from "./steps";
import { RESOURCE_STEP_BEHAVIOURS } from "../resources/steps";
import { VM_STEP_BEHAVIOURS } from "../vms/steps";
import { SPLIT_BRAIN_STEP_BEHAVIOURS } from "../monitor/split-brain";
import { RUNBOOK_KINDS } from "./types";
import { IncidentStore } from "../monitor/store";
import type {
  CallRecord,
  JobReport,
  JobView,
  PlannedStep,
  RunbookPlan,
  StepDetail,
  StepName,
  TRunbookRequest,
} from "./types";

export interface RunbookEngineOptions {
  farm: FarmService;
  db: Db;
  resources: ResourceMeta[];
  /** Interval between re-reads while a step waits for its effect (default 250 ms). */
  pollMs?: number;
  /** Memory kept free on a host that receives VMs, beyond the plan (default 128 MiB). */
  marginMiB?: number;
  log?: (line: string) => void;
  /** Fence devices by host name (fence.ts): a failover fences an unreachable host that has one. */
  fences?: Partial<Record<string, FenceDevice>>;
  /** Where each runbook's incident goes (the monitor's store, so that it shares the timelines). */
  incidents?: IncidentStore;
}

export type JobChange = { id: string; status: JobView["status"] };

/** Every step kind's behaviour: the runbooks' and the resource pair's. */
function behaviourOf(name: StepName): StepBehaviour {
  const b =
    STEP_BEHAVIOURS[name] ??
    RESOURCE_STEP_BEHAVIOURS[name] ??
    VM_STEP_BEHAVIOURS[name] ??
    SPLIT_BRAIN_STEP_BEHAVIOURS[name];
  if (!b) throw new AppError("INTERNAL", `no behaviour for step ${name}`);
  return b;
}

interface Running {
  cancel: boolean;
  plan: RunbookPlan;
}

/** What the running jobs are working on (the monitor expects their changes: they are not incidents). */
export interface JobScope {
  hosts: Set<string>;
  resources: Set<string>;
  vms: Set<string>;
}

export class RunbookEngine {
  readonly journal: JobJournal;
  private readonly locks = new Map<string, string>();
  private readonly running = new Map<string, Running>();
  private readonly listeners = new Set<(change: JobChange) => void>();
  private halted = false;

  readonly incidents: IncidentStore;

  constructor(private readonly options: RunbookEngineOptions) {
    this.journal = new JobJournal(options.db);
    this.incidents = options.incidents ?? new IncidentStore(options.db, (line) => this.log(line));
  }

  /** The hosts, resources and VMs the running jobs work on. */
  activeScope(): JobScope {
    const scope: JobScope = { hosts: new Set(), resources: new Set(), vms: new Set() };
    for (const { plan } of this.running.values()) {
      scope.hosts.add(plan.from).add(plan.to);
      for (const r of plan.resources) scope.resources.add(r);
      for (const v of plan.vms) scope.vms.add(v);
      if (plan.newResource) scope.resources.add(plan.newResource.name);
      if (plan.newVm) scope.vms.add(plan.newVm.definition.name);
      for (const step of plan.steps) {
        if (step.resource) scope.resources.add(step.resource);
        if (step.vm) scope.vms.add(step.vm);
      }
    }
    return scope;
  }

  onChange(listener: (change: JobChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The plan of a runbook as the farm is now; changes nothing. */
  async plan(request: TRunbookRequest): Promise<RunbookPlan> {
    const view = await this.options.farm.freshView();
    const drbd: Partial<Record<string, TDrbdStatus>> = {};
    await Promise.all(
      view.hosts.map(async (h) => {
        if (!this.reachable(h.name)) return;
        try {
          drbd[h.name] = await this.options.farm.client(h.name).call("drbd.status", {}, { timeoutMs: 5_000 });
        } catch {
          // unreachable for the plan's purpose
        }
      }),
    );
    const policies = await loadVmPolicies(this.options.db);
    const lastMove =
      request.kind === "failback" ? await this.journal.lastMoveAway(request.to, request.from) : null;
    return buildPlan({
      request,
      view,
      resources: this.options.resources,
      drbd,
      policyOf: policies,
      lastMove,
      marginMiB: this.options.marginMiB ?? 128,
      fences: Object.fromEntries(
        Object.entries(this.options.fences ?? {}).map(([host, device]) => [host, device!.command]),
      ),
    });
  }

  /**
   * A dry run returns the plan. Otherwise the job starts in the background: `{ jobId }`. Refused with CONFLICT
   * (409) and nothing changed when the plan has blockers or another job holds one of its hosts or resources.
   */
  async submit(
    request: TRunbookRequest,
  ): Promise<{ plan: RunbookPlan } | { jobId: string; plan: RunbookPlan }> {
    const plan = await this.plan(request);
    if (request.dryRun) return { plan };
    if (plan.blockers.length > 0)
      throw new AppError("CONFLICT", plan.blockers.map((b) => b.message).join(" "), {
        userMessage: plan.blockers.map((b) => b.message).join(" "),
        details: { rule: plan.blockers[0]!.rule, blockers: plan.blockers },
      });
    return { jobId: await this.start(plan), plan };
  }

  /**
   * Starts a job of a plan built elsewhere (a new resource pair: lib/resources), with the same journal, locks,
   * cancellation and recovery as a runbook. CONFLICT when another job holds one of its hosts or resources.
   */
  async start(plan: RunbookPlan): Promise<string> {
    const keys = lockKeys(plan);
    this.lock(keys, "pending");
    let jobId: string;
    try {
      jobId = await this.journal.create(plan, null);
    } catch (err) {
      this.unlock(keys);
      throw err;
    }
    for (const k of keys) this.locks.set(k, jobId);
    void this.execute(jobId, plan, 0, new Date());
    return jobId;
  }

  /** Asks a running job to stop before its next step. */
  async cancel(jobId: string): Promise<JobView> {
    const job = await this.journal.get(jobId);
    if (!job) throw new AppError("NOT_FOUND", `no job ${jobId}`);
    const run = this.running.get(jobId);
    if (!run)
      throw new AppError("CONFLICT", `job ${jobId} is ${job.status}: only a running job can be cancelled`, {
        details: { rule: "not-running" },
      });
    run.cancel = true;
    return job;
  }

  /**
   * Reconciles the jobs a previous panel process left queued or running, once their hosts have answered (or
   * `waitMs` passed): each step the journal shows as running or pending is checked against the hosts' real
   * state. A step whose effect is there counts as done; an interrupted step that is idempotent is run again;
   * one that is not (promote, start a VM) and whose effect is not visible is never repeated: the job stops
   * there with a report.
   */
  async recover(waitMs = 30_000): Promise<void> {
    await this.incidents.load(); // the incident of a job the previous process left running is still open
    for (const job of await this.journal.unfinished()) {
      const hosts = [job.from, job.to];
      const until = Date.now() + waitMs;
      while (Date.now() < until && hosts.some((h) => this.options.farm.client(h).state === "connecting"))
        await sleep(250);
      await this.reconcile(job).catch(async (err: unknown) => {
        const e = toAppError(err);
        this.log(`job ${job.id}: reconciliation failed: ${e.message}`);
        await this.finish(job.id, "failed", new Date(job.createdAt), job.plan, {
          error: `reconciliation after a restart failed: ${e.message}`,
        });
      });
    }
  }

  /** Stops running jobs where they are, without journaling more (what a crash does): for tests. */
  halt(): void {
    this.halted = true;
  }

  private async reconcile(job: JobView): Promise<void> {
    const keys = lockKeys(job.plan);
    this.lock(keys, job.id);
    const index = job.steps.findIndex((s) => s.status !== "succeeded" && s.status !== "skipped");
    if (index === -1) {
      await this.finish(job.id, "succeeded", new Date(job.createdAt), job.plan, {
        reconciliation: "Every step had finished before the restart.",
      });
      this.unlock(keys);
      return;
    }
    const step = job.plan.steps[index]!;
    const was = job.steps[index]!.status;
    let found: string;
    let resumeAt = index;
    if (was === "running") {
      const ctx = this.context(job.id, job.plan, step, { calls: [] }, new Map());
      const done = await behaviourOf(step.name).done(ctx, step);
      if (done) {
        found = `Step ${step.key} was running when the panel stopped; its effect is there: counted as done.`;
        await this.journal.step(job.id, index, "succeeded", { calls: [], note: found });
        resumeAt = index + 1;
      } else if (step.idempotent) {
        found = `Step ${step.key} was running when the panel stopped and its effect is not there; it is safe to repeat: run again.`;
      } else {
        const report = `Step ${step.key} was running when the panel stopped, and its effect is not visible on ${step.host}. It is not repeated automatically: check ${step.host} and start the runbook again.`;
        await this.journal.step(job.id, index, "failed", { calls: [], note: report });
        await this.cancelRest(job.id, job.plan, index + 1);
        await this.finish(job.id, "failed", new Date(job.createdAt), job.plan, {
          reconciliation: report,
          error: report,
        });
        this.unlock(keys);
        return;
      }
    } else found = `The panel stopped between steps; resumed at ${step.key}.`;
    this.log(`job ${job.id}: ${found}`);
    await this.journal.resume(job.id);
    void this.execute(job.id, job.plan, resumeAt, new Date(job.startedAt ?? job.createdAt), found);
  }

  private async execute(
    jobId: string,
    plan: RunbookPlan,
    from: number,
    startedAt: Date,
    reconciliation?: string,
  ): Promise<void> {
    const run: Running = { cancel: false, plan };
    this.running.set(jobId, run);
    const marks = new Map<string, number>();
    let replanned: string | undefined;
    if (from === 0 && (RUNBOOK_KINDS as readonly string[]).includes(plan.kind))
      await this.incidents.openJob({
        jobId,
        kind: plan.kind as (typeof RUNBOOK_KINDS)[number],
        host: plan.from,
        summary: `${plan.kind} from ${plan.from} to ${plan.to}: ${plan.resources.join(", ")}`,
      });
    try {
      if (from === 0) await this.journal.jobStatus(jobId, "running");
      this.emit(jobId, "running");
      for (let i = from; i < plan.steps.length; i++) {
        if (this.halted) return;
        const step = plan.steps[i]!;
        if (run.cancel) {
          await this.cancelRest(jobId, plan, i);
          await this.finish(jobId, "cancelled", startedAt, plan, { marks, reconciliation });
          return;
        }
        const detail: StepDetail = { calls: [] };
        if (typeof step.params.skipped === "string") {
          await this.journal.step(jobId, i, "skipped", { calls: [], note: step.params.skipped });
          continue;
        }
        await this.journal.step(jobId, i, "running", detail);
        this.emit(jobId, "running");
        const ctx = this.context(jobId, plan, step, detail, marks, () => {
          replanned = detail.note;
          void this.journal.savePlan(jobId, plan);
        });
        try {
          const behaviour = behaviourOf(step.name);
          if (await behaviour.done(ctx, step)) detail.note = joinNote(detail.note, "Already done.");
          else await behaviour.run(ctx, step);
        } catch (err) {
          if (this.halted) return;
          const e = toAppError(err);
          detail.error = {
            code: e.code,
            message: e.userMessage === e.message ? e.message : `${e.userMessage} ${e.message}`,
          };
          await this.journal.step(jobId, i, "failed", detail);
          await this.cancelRest(jobId, plan, i + 1);
          await this.finish(jobId, "failed", startedAt, plan, {
            marks,
            reconciliation,
            error: `${step.key}: ${e.message}`,
          });
          return;
        }
        if (this.halted) return;
        await this.journal.step(jobId, i, "succeeded", detail);
        this.emit(jobId, "running");
      }
      await this.finish(jobId, "succeeded", startedAt, plan, { marks, reconciliation, replanned });
    } finally {
      this.running.delete(jobId);
      if (!this.halted) this.unlock(lockKeys(plan));
    }
  }

  private context(
    jobId: string,
    plan: RunbookPlan,
    step: PlannedStep,
    detail: StepDetail,
    marks: Map<string, number>,
    onAmend: () => void = () => undefined,
  ): StepContext {
    const farm = this.options.farm;
    const index = plan.steps.indexOf(step);
    return {
      plan,
      act: async <M extends MethodName>(host: string, method: M, params: ParamsOf<M>) => {
        const call: CallRecord = {
          host,
          method,
          params: params as Record<string, unknown>,
          startedAt: new Date().toISOString(),
          durationMs: null,
          ok: null,
          commands: [],
        };
        detail.calls.push(call);
        await this.journal.stepDetail(jobId, index, detail); // the intent, before the call
        const t0 = Date.now();
        try {
          const { result, commands } = await farm.client(host).callLogged(method, params);
          Object.assign(call, { ok: true, commands, durationMs: Date.now() - t0 });
          return result;
        } catch (err) {
          const e = toAppError(err);
          const commands = Array.isArray(e.details.commands)
            ? (e.details.commands as CallRecord["commands"])
            : [];
          Object.assign(call, {
            ok: false,
            commands,
            durationMs: Date.now() - t0,
            error: { code: e.code, message: e.message },
          });
          throw e;
        } finally {
          if (!this.halted) await this.journal.stepDetail(jobId, index, detail);
        }
      },
      fence: async (host, action) => {
        const device = this.options.fences?.[host];
        if (!device) {
          detail.note = joinNote(detail.note, `${host} has no fence device configured.`);
          return "unknown";
        }
        const call: CallRecord = {
          host: "panel",
          method: `fence.${action}`,
          params: { host },
          startedAt: new Date().toISOString(),
          durationMs: null,
          ok: null,
          commands: [],
        };
        detail.calls.push(call);
        await this.journal.stepDetail(jobId, index, detail); // the intent, before the command
        const outcome = await runFence(device, action);
        const ok = outcome.status !== "unknown";
        Object.assign(call, {
          ok,
          commands: [outcome.record],
          durationMs: outcome.record.durationMs,
          ...(ok
            ? {}
            : {
                error: {
                  code: "FENCE_FAILED",
                  message: `${outcome.record.argv[0]} exited ${outcome.record.timedOut ? "at its timeout" : String(outcome.record.exitCode)}: ${outcome.record.output.trim().slice(-300)}`,
                },
              }),
        });
        if (!this.halted) await this.journal.stepDetail(jobId, index, detail);
        return outcome.status;
      },
      read: <M extends MethodName>(host: string, method: M, params: ParamsOf<M>): Promise<ResultOf<M>> =>
        farm.client(host).call(method, params),
      registerResource: async (meta) => {
        await this.options.db.drbdResource.upsert({
          where: { name: meta.name },
          create: meta,
          update: {
            minor: meta.minor,
            port: meta.port,
            protocol: meta.protocol,
            mountPoint: meta.mountPoint,
          },
        });
        const known = this.options.resources.find((r) => r.name === meta.name);
        if (known) known.mountPoint = meta.mountPoint;
        else this.options.resources.push({ name: meta.name, mountPoint: meta.mountPoint });
      },
      registerVm: async (vm) => {
        const resource = await this.options.db.drbdResource.findUnique({ where: { name: vm.resource } });
        const data = {
          resourceId: resource?.id ?? null,
          memoryMiB: vm.memoryMiB,
          maxMemoryMiB: vm.maxMemoryMiB,
          vcpus: vm.vcpus,
          priority: vm.priority,
          minMemoryMiB: vm.minMemoryMiB,
          requiredOnFailover: vm.required,
        };
        await this.options.db.vm.upsert({
          where: { name: vm.name },
          create: { name: vm.name, state: "shutoff", observedAt: new Date(), ...data },
          update: data,
        });
      },
      unregisterVm: async (name) => {
        await this.options.db.vm.deleteMany({ where: { name } });
      },
      unregisterResource: async (name) => {
        await this.options.db.drbdResource.deleteMany({ where: { name } });
        const i = this.options.resources.findIndex((r) => r.name === name);
        if (i !== -1) this.options.resources.splice(i, 1);
      },
      reachable: (host) => this.reachable(host),
      sleep,
      pollMs: this.options.pollMs ?? 250,
      note: (text) => (detail.note = joinNote(detail.note, text)),
      mark: (key) => {
        if (!marks.has(key)) marks.set(key, Date.now());
      },
      amendStep: (key, change) => {
        const target = plan.steps.find((s) => s.key === key);
        if (!target) return;
        if (change.params) target.params = change.params;
        if (change.skip !== undefined) target.params = { ...target.params, skipped: change.skip };
        onAmend();
      },
      deadline: Date.now() + step.deadlineMs,
    };
  }

  private async finish(
    jobId: string,
    status: "succeeded" | "failed" | "cancelled",
    startedAt: Date,
    plan: RunbookPlan,
    extra: {
      marks?: Map<string, number>;
      reconciliation?: string | undefined;
      replanned?: string | undefined;
      error?: string;
    },
  ): Promise<void> {
    const marks = extra.marks ?? new Map<string, number>();
    const seconds = (from: number | undefined, to: number | undefined) =>
      from !== undefined && to !== undefined ? Math.round((to - from) / 100) / 10 : null;
    const downtime = plan.vms.flatMap((vm) => {
      const s = seconds(marks.get(`stopped:${vm}`), marks.get(`started:${vm}`));
      return s === null ? [] : [{ vm, seconds: s }];
    });
    const restoredAfter = plan.vms.flatMap((vm) => {
      const s = seconds(startedAt.getTime(), marks.get(`started:${vm}`));
      return plan.kind === "failover" && s !== null ? [{ vm, seconds: s }] : [];
    });
    const summary = summaryOf(plan, status, marks, extra.error);
    const report: JobReport = {
      downtime,
      ...(restoredAfter.length > 0 ? { restoredAfter } : {}),
      summary,
      ...(extra.reconciliation ? { reconciliation: extra.reconciliation } : {}),
      ...(extra.replanned ? { replanned: extra.replanned } : {}),
    };
    await this.journal.jobStatus(jobId, status, { report, ...(extra.error ? { error: extra.error } : {}) });
    await this.incidents.closeJob(jobId, summary);
    this.emit(jobId, status);
  }

  private async cancelRest(jobId: string, plan: RunbookPlan, from: number): Promise<void> {
    for (let i = from; i < plan.steps.length; i++)
      await this.journal.step(jobId, i, "cancelled", { calls: [] });
  }

  private reachable(host: string): boolean {
    try {
      return this.options.farm.client(host).state === "ready";
    } catch {
      return false;
    }
  }

  private lock(keys: string[], owner: string): void {
    const held = keys.map((k) => [k, this.locks.get(k)] as const).filter(([, j]) => j !== undefined);
    if (held.length > 0)
      throw new AppError(
        "CONFLICT",
        `another job holds ${held.map(([k]) => k.replace(":", " ")).join(", ")}: one job at a time per host and per resource`,
        {
          userMessage: `Another job (${held[0]![1]}) is running on ${held.map(([k]) => k.split(":")[1]).join(", ")}. Wait for it to finish or cancel it.`,
          details: { rule: "job-running", jobId: held[0]![1] },
        },
      );
    for (const k of keys) this.locks.set(k, owner);
  }

  private unlock(keys: string[]): void {
    for (const k of keys) this.locks.delete(k);
  }

  private emit(id: string, status: JobView["status"]): void {
    for (const l of this.listeners) l({ id, status });
  }

  private log(line: string): void {
    this.options.log?.(line);
  }
}

/** One sentence on how a job ended, for the report and its incident. */
function summaryOf(
  plan: RunbookPlan,
  status: "succeeded" | "failed" | "cancelled",
  marks: Map<string, number>,
  error: string | undefined,
): string {
  const what = `${plan.kind} from ${plan.from} to ${plan.to}`;
  if (status === "cancelled") return `${what} cancelled by the operator.`;
  if (status === "failed") return `${what} failed: ${error ?? "see the failed step"}`;
  const r = plan.newResource;
  const resources = plan.resources.join(", ") || "no resource";
  switch (plan.kind) {
    case "create-resource":
      return `${resources} created on ${plan.from} and ${plan.to}: Primary on ${r?.initialPrimary ?? "?"}${r?.mountPoint ? `, mounted on ${r.mountPoint}` : ""}.`;
    case "undo-create-resource":
      return `What job ${r?.undoes ?? "?"} created for ${resources} was removed from ${plan.from} and ${plan.to}.`;
    case "define-vm":
      return `${plan.vms.join(", ")} defined on ${plan.from} and ${plan.to}, its disk on ${resources}${plan.newVm?.start ? `, started on ${plan.from}` : ""}.`;
    case "delete-vm":
      return `${plan.vms.join(", ")} removed from ${plan.from} and ${plan.to} (its disk is kept).`;
    case "delete-resource":
      return `${resources} deleted from ${plan.from} and ${plan.to}${plan.steps.some((s) => s.name === "remove-lv") ? ", with its volumes" : " (its volumes are kept)"}.`;
    default:
      return `${what} done: ${resources} on ${plan.to}; ${plan.vms.filter((vm) => marks.has(`started:${vm}`)).length} VM(s) started there.`;
  }
}

function lockKeys(plan: RunbookPlan): string[] {
  return [`host:${plan.from}`, `host:${plan.to}`, ...plan.resources.map((r) => `resource:${r}`)];
}

function joinNote(a: string | undefined, b: string): string {
  return a ? `${a} ${b}` : b;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
