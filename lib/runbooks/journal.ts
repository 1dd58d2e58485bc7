/**
 * The intent journal of runbook jobs: the job, each step and each agent call (with the commands it ran) are
 * written to the database before they run and again when they end, so a panel that dies mid-job leaves a
 * record of exactly how far it got (engine.ts reconciles it on the next start).
 */
import type { Db } from "../db";
import type { JobKind, JobReport, JobStatus, JobView, RunbookPlan, StepDetail, StepStatus } from "./types";

interface JobRow {
  id: string;
  kind: string;
  status: string;
  targetJson: string;
  planJson: string | null;
  reportJson: string | null;
  error: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  steps: Array<{
    index: number;
    name: string;
    status: string;
    detailJson: string | null;
    startedAt: Date | null;
    finishedAt: Date | null;
  }>;
}

export class JobJournal {
  constructor(private readonly db: Db) {}

  /** Writes a new job and its pending steps in one transaction; returns its id. */
  async create(plan: RunbookPlan, requestedBy: string | null): Promise<string> {
    const job = await this.db.job.create({
      data: {
        kind: plan.kind,
        status: "queued",
        targetJson: JSON.stringify({
          from: plan.from,
          to: plan.to,
          resources: plan.resources,
          vms: plan.vms,
        }),
        planJson: JSON.stringify(plan),
        requestedBy,
        steps: {
          create: plan.steps.map((step, index) => ({
            index,
            name: step.key,
            status: "pending",
            detailJson: JSON.stringify({ calls: [] } satisfies StepDetail),
          })),
        },
      },
    });
    return job.id;
  }

  async jobStatus(id: string, status: JobStatus, fields: { error?: string; report?: JobReport } = {}) {
    const now = new Date();
    await this.db.job.update({
      where: { id },
      data: {
        status,
        ...(status === "running" ? { startedAt: now } : {}),
        ...(status === "succeeded" || status === "failed" || status === "cancelled"
          ? { finishedAt: now }
          : {}),
        ...(fields.error === undefined ? {} : { error: fields.error }),
        ...(fields.report === undefined ? {} : { reportJson: JSON.stringify(fields.report) }),
      },
    });
  }

  /** A resumed job keeps its first start time; only its status changes. */
  async resume(id: string): Promise<void> {
    await this.db.job.update({ where: { id }, data: { status: "running", finishedAt: null, error: null } });
  }

  async step(jobId: string, index: number, status: StepStatus, detail: StepDetail): Promise<void> {
    const now = new Date();
    await this.db.jobStep.update({
      where: { jobId_index: { jobId, index } },
      data: {
        status,
        detailJson: JSON.stringify(detail),
        ...(status === "running" ? { startedAt: now, finishedAt: null } : {}),
        ...(status !== "running" && status !== "pending" ? { finishedAt: now } : {}),
      },
    });
  }

  /** The step's detail as it grows (a call about to run, a call done), without touching its status or times. */
  async stepDetail(jobId: string, index: number, detail: StepDetail): Promise<void> {
    await this.db.jobStep.update({
      where: { jobId_index: { jobId, index } },
      data: { detailJson: JSON.stringify(detail) },
    });
  }

  /** Saves the plan again (check-memory re-plans the remaining starts). */
  async savePlan(id: string, plan: RunbookPlan): Promise<void> {
    await this.db.job.update({ where: { id }, data: { planJson: JSON.stringify(plan) } });
  }

  async get(id: string): Promise<JobView | null> {
    const row = await this.db.job.findUnique({ where: { id }, include: { steps: true } });
    return row ? toView(row) : null;
  }

  async list(limit = 50): Promise<JobView[]> {
    const rows = await this.db.job.findMany({
      orderBy: { createdAt: "desc" },
      take: limit,
      include: { steps: true },
    });
    return rows.map(toView);
  }

  /** Jobs a previous panel process left queued or running. */
  async unfinished(): Promise<JobView[]> {
    const rows = await this.db.job.findMany({
      where: { status: { in: ["queued", "running"] } },
      orderBy: { createdAt: "asc" },
      include: { steps: true },
    });
    return rows.map(toView);
  }

  /**
   * The last succeeded move of resources from `home` to `away` (failover or switchover) not yet followed by a
   * succeeded failback: what a failback from `away` to `home` brings back.
   */
  async lastMoveAway(home: string, away: string): Promise<JobView | null> {
    for (const job of await this.list(200)) {
      if (job.status !== "succeeded") continue;
      if (job.kind === "failback" && job.from === away && job.to === home) return null;
      if ((job.kind === "failover" || job.kind === "switchover") && job.from === home && job.to === away)
        return job;
    }
    return null;
  }
}

function toView(row: JobRow): JobView {
  const plan = JSON.parse(row.planJson ?? "null") as RunbookPlan;
  const steps = [...row.steps].sort((a, b) => a.index - b.index);
  return {
    id: row.id,
    kind: row.kind as JobKind,
    status: row.status as JobStatus,
    from: plan.from,
    to: plan.to,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
    error: row.error,
    steps: steps.map((s) => {
      const planned = plan.steps[s.index]!;
      const detail = JSON.parse(s.detailJson ?? '{"calls":[]}') as StepDetail;
      return {
        key: planned.key,
        name: planned.name,
        host: planned.host,
        params: planned.params,
        status: s.status as StepStatus,
        startedAt: s.startedAt?.toISOString() ?? null,
        finishedAt: s.finishedAt?.toISOString() ?? null,
        note: detail.note ?? null,
        error: detail.error ?? null,
        commands: detail.calls.flatMap((c) =>
          c.commands.map((cmd) => ({ ...cmd, host: c.host, method: c.method })),
        ),
      };
    }),
    plan,
    report: row.reportJson ? (JSON.parse(row.reportJson) as JobReport) : null,
  };
}
