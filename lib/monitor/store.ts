/**
 * Incidents and the farm's event history in the database (issue 7). Keeps the open incidents in memory (one per
 * key), writes in the order things were received (one queue: an event's `seq` is the panel's receive order), and
 * links each event to the open incidents it concerns: their timelines.
 */
import { randomUUID } from "node:crypto";
import type { Db } from "../db";
import { toAppError } from "../errors";
import { SEVERITIES } from "./types";
import type {
  Condition,
  FarmEventInput,
  IncidentDetail,
  IncidentKind,
  IncidentView,
  Severity,
  TimelineEntry,
} from "./types";

export interface OpenIncidentRow {
  id: string;
  key: string;
  kind: IncidentKind;
  severity: Severity;
  host: string | null;
  resource: string | null;
  vm: string | null;
  jobId: string | null;
  summary: string;
  openedAt: Date;
  /** The evidence last written (JSON), to write it again only when it changed. */
  detailJson: string | null;
}

export interface IncidentChange {
  change: "opened" | "escalated" | "closed";
  incident: IncidentView;
}

export interface IncidentFilter {
  host?: string;
  resource?: string;
  vm?: string;
  kind?: string;
  severity?: string;
  /** Incidents that were open at some time in [from, to]. */
  from?: Date;
  to?: Date;
  open?: boolean;
  limit: number;
}

/** Which events belong to an incident's timeline. */
export type EventMatcher = (incident: OpenIncidentRow, event: FarmEventInput) => boolean;

/** How far back an incident that opens collects the events that led to it. */
const BACKFILL_MS = 30_000;

export class IncidentStore {
  private readonly openByKey = new Map<string, OpenIncidentRow>();
  private readonly listeners = new Set<(change: IncidentChange) => void>();
  private queue: Promise<unknown> = Promise.resolve();
  private loaded = false;

  constructor(
    private readonly db: Db,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  onChange(listener: (change: IncidentChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Loads the incidents a previous panel process left open. */
  async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    const rows = await this.db.incident.findMany({ where: { closedAt: null } });
    for (const row of rows) {
      const key = row.key ?? `legacy:${row.id}`;
      this.openByKey.set(key, { ...toOpenRow(row), key, detailJson: row.detailJson });
    }
  }

  open(): ReadonlyMap<string, OpenIncidentRow> {
    return this.openByKey;
  }

  /** Runs `fn` after every write queued before it; failures are logged, never thrown at the caller's loop. */
  private enqueue<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    const next = this.queue.then(fn).catch((err: unknown) => {
      this.log(`incidents: ${what}: ${toAppError(err).message}`);
      return undefined;
    });
    this.queue = next;
    return next;
  }

  /** Resolves when everything queued so far is written. */
  flush(): Promise<void> {
    return this.queue.then(() => undefined);
  }

  /** Records events and links each to the open incidents `matches` says it concerns. */
  record(events: FarmEventInput[], matches: EventMatcher): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    const targets = events.map((e) =>
      [...this.openByKey.values()].filter((i) => matches(i, e)).map((i) => i.id),
    );
    return this.enqueue("record events", async () => {
      for (const [i, event] of events.entries()) await this.insertEvent(event, targets[i]!);
    }).then(() => undefined);
  }

  /** Records events on one incident's timeline, open or closed (a notification sent about it). */
  recordFor(incidentId: string, events: FarmEventInput[]): Promise<void> {
    return this.enqueue("record events", async () => {
      for (const event of events) await this.insertEvent(event, [incidentId]);
    }).then(() => undefined);
  }

  /**
   * Brings the open incidents in line with the conditions: opens one per new key (its timeline starts with the
   * recent events it concerns), escalates a key whose kind or severity changed, closes those whose key is gone.
   */
  reconcile(conditions: Condition[], matches: EventMatcher): Promise<void> {
    const now = new Date();
    const byKey = new Map(conditions.map((c) => [c.key, c]));
    const work: Array<() => Promise<void>> = [];
    for (const condition of conditions) {
      const open = this.openByKey.get(condition.key);
      if (!open) {
        const row = rowOf(condition, now);
        this.openByKey.set(condition.key, row);
        work.push(() => this.insertOpened(row, condition, matches));
      } else if (SEVERITIES.indexOf(condition.severity) > SEVERITIES.indexOf(open.severity)) {
        // Less severe than what is open: that incident is over (a host that was down answers through its peer);
        // the new condition is an incident of its own, and the record of the old one stays as it was.
        const newRow = rowOf(condition, now);
        this.openByKey.set(condition.key, newRow);
        work.push(() => this.writeClosed(open, `${open.kind} over; now ${condition.kind}.`, now));
        work.push(() => this.insertOpened(newRow, condition, matches));
      } else if (open.kind !== condition.kind || open.severity !== condition.severity) {
        const from = `${open.kind} (${open.severity})`;
        Object.assign(open, {
          kind: condition.kind,
          severity: condition.severity,
          summary: condition.summary,
        });
        open.detailJson = condition.detail === undefined ? open.detailJson : JSON.stringify(condition.detail);
        const snapshot = { ...open };
        work.push(() => this.writeEscalation(snapshot, from, condition.detail));
      } else {
        const detailJson =
          condition.detail === undefined ? open.detailJson : JSON.stringify(condition.detail);
        if (open.summary === condition.summary && detailJson === open.detailJson) continue;
        Object.assign(open, { summary: condition.summary, detailJson });
        const snapshot = { ...open };
        work.push(async () => {
          await this.db.incident.update({
            where: { id: snapshot.id },
            data: { summary: snapshot.summary, detailJson: snapshot.detailJson },
          });
        });
      }
    }
    for (const [key, open] of this.openByKey) {
      if (byKey.has(key) || open.jobId !== null) continue;
      this.openByKey.delete(key);
      work.push(() => this.writeClosed(open, `${open.kind} cleared.`, now));
    }
    if (work.length === 0) return Promise.resolve();
    return this.enqueue("reconcile", async () => {
      for (const w of work) await w();
    }).then(() => undefined);
  }

  /** A runbook job's incident (a failover is critical): open while the job runs. */
  openJob(job: { jobId: string; kind: IncidentKind; host: string; summary: string }): Promise<void> {
    const row: OpenIncidentRow = {
      id: newId(),
      key: `job:${job.jobId}`,
      kind: job.kind,
      severity: job.kind === "failover" ? "critical" : "info",
      host: job.host,
      resource: null,
      vm: null,
      jobId: job.jobId,
      summary: job.summary,
      openedAt: new Date(),
      detailJson: null,
    };
    this.openByKey.set(row.key, row);
    return this.enqueue("open job incident", () =>
      this.insertOpened(
        row,
        { key: row.key, kind: row.kind, severity: row.severity, summary: row.summary },
        () => false,
      ),
    ).then(() => undefined);
  }

  closeJob(jobId: string, summary: string): Promise<void> {
    const key = `job:${jobId}`;
    const open = this.openByKey.get(key);
    if (!open) return Promise.resolve();
    this.openByKey.delete(key);
    open.summary = summary;
    return this.enqueue("close job incident", () => this.writeClosed(open, summary, new Date())).then(
      () => undefined,
    );
  }

  async list(filter: IncidentFilter): Promise<IncidentView[]> {
    await this.flush();
    const rows = await this.db.incident.findMany({
      where: {
        ...(filter.host ? { host: filter.host } : {}),
        ...(filter.resource ? { resource: filter.resource } : {}),
        ...(filter.vm ? { vm: filter.vm } : {}),
        ...(filter.kind ? { kind: filter.kind } : {}),
        ...(filter.severity ? { severity: filter.severity } : {}),
        ...(filter.open === true
          ? { closedAt: null }
          : filter.open === false
            ? { closedAt: { not: null } }
            : {}),
        ...(filter.to ? { openedAt: { lte: filter.to } } : {}),
        ...(filter.from ? { OR: [{ closedAt: null }, { closedAt: { gte: filter.from } }] } : {}),
      },
      orderBy: { openedAt: "desc" },
      take: filter.limit,
    });
    return rows.map(toView);
  }

  async get(id: string): Promise<IncidentDetail | null> {
    await this.flush();
    const row = await this.db.incident.findUnique({
      where: { id },
      include: { events: { include: { event: true }, orderBy: { eventSeq: "asc" } } },
    });
    if (!row) return null;
    return {
      ...toView(row),
      detail: row.detailJson ? (JSON.parse(row.detailJson) as unknown) : null,
      timeline: row.events.map(({ event: e }): TimelineEntry => ({
        seq: e.seq,
        at: e.at.toISOString(),
        source: e.source,
        kind: e.kind,
        host: e.host,
        resource: e.resource,
        vm: e.vm,
        message: e.message,
      })),
    };
  }

  private async insertEvent(event: FarmEventInput, incidentIds: string[]): Promise<number> {
    const row = await this.db.event.create({
      data: {
        source: event.source,
        kind: event.kind,
        host: event.host ?? null,
        resource: event.resource ?? null,
        vm: event.vm ?? null,
        message: event.message,
        dataJson: event.data === undefined ? null : JSON.stringify(event.data),
      },
    });
    if (incidentIds.length > 0)
      await this.db.incidentEvent.createMany({
        data: incidentIds.map((incidentId) => ({ incidentId, eventSeq: row.seq })),
      });
    return row.seq;
  }

  private async insertOpened(
    row: OpenIncidentRow,
    condition: Condition,
    matches: EventMatcher,
  ): Promise<void> {
    await this.db.incident.create({
      data: {
        id: row.id,
        key: row.key,
        kind: row.kind,
        severity: row.severity,
        host: row.host,
        resource: row.resource,
        vm: row.vm,
        jobId: row.jobId,
        summary: row.summary,
        detailJson: row.detailJson ?? null,
        openedAt: row.openedAt,
      },
    });
    // The events that led here (a host's session ending 15 s before it is declared down, say).
    const recent = await this.db.event.findMany({
      where: { at: { gte: new Date(row.openedAt.getTime() - BACKFILL_MS) } },
      orderBy: { seq: "asc" },
    });
    const related = recent.filter((e) =>
      matches(row, {
        source: e.source as FarmEventInput["source"],
        kind: e.kind,
        ...(e.host ? { host: e.host } : {}),
        ...(e.resource ? { resource: e.resource } : {}),
        ...(e.vm ? { vm: e.vm } : {}),
        message: e.message,
      }),
    );
    if (related.length > 0)
      await this.db.incidentEvent.createMany({
        data: related.map((e) => ({ incidentId: row.id, eventSeq: e.seq })),
      });
    await this.insertEvent(
      {
        source: "panel",
        kind: "incident.opened",
        ...subjectOf(row),
        message: `Incident opened (${row.kind}, ${row.severity}): ${row.summary}`,
      },
      [row.id],
    );
    this.emit("opened", { ...row, closedAt: null });
  }

  private async writeEscalation(row: OpenIncidentRow, from: string, detail: unknown): Promise<void> {
    await this.db.incident.update({
      where: { id: row.id },
      data: {
        kind: row.kind,
        severity: row.severity,
        summary: row.summary,
        ...(detail === undefined ? {} : { detailJson: JSON.stringify(detail) }),
      },
    });
    await this.insertEvent(
      {
        source: "panel",
        kind: "incident.escalated",
        ...subjectOf(row),
        message: `${from} → ${row.kind} (${row.severity}): ${row.summary}`,
      },
      [row.id],
    );
    this.emit("escalated", { ...row, closedAt: null });
  }

  private async writeClosed(row: OpenIncidentRow, note: string, at: Date): Promise<void> {
    await this.db.incident.update({ where: { id: row.id }, data: { closedAt: at, summary: row.summary } });
    await this.insertEvent(
      { source: "panel", kind: "incident.closed", ...subjectOf(row), message: `Incident closed: ${note}` },
      [row.id],
    );
    this.emit("closed", { ...row, closedAt: at });
  }

  private emit(change: IncidentChange["change"], row: OpenIncidentRow & { closedAt: Date | null }): void {
    const incident = toView(row);
    for (const l of this.listeners) l({ change, incident });
  }
}

function subjectOf(row: OpenIncidentRow): Pick<FarmEventInput, "host" | "resource" | "vm"> {
  return {
    ...(row.host ? { host: row.host } : {}),
    ...(row.resource ? { resource: row.resource } : {}),
    ...(row.vm ? { vm: row.vm } : {}),
  };
}

/** A new open incident for a condition (the id is made here: the row is known before the queue writes it). */
function rowOf(condition: Condition, openedAt: Date): OpenIncidentRow {
  return {
    id: newId(),
    key: condition.key,
    kind: condition.kind,
    severity: condition.severity,
    host: condition.host ?? null,
    resource: condition.resource ?? null,
    vm: condition.vm ?? null,
    jobId: null,
    summary: condition.summary,
    openedAt,
    detailJson: condition.detail === undefined ? null : JSON.stringify(condition.detail),
  };
}

/** 32 lowercase hex digits: the API's id pattern (`[a-z0-9]{8,40}`) accepts it. */
const newId = () => randomUUID().replaceAll("-", "");

type IncidentRowLike = {
  id: string;
  kind: string;
  severity: string;
  host: string | null;
  resource: string | null;
  vm: string | null;
  jobId: string | null;
  summary: string;
  openedAt: Date;
  closedAt: Date | null;
};

function toOpenRow(
  row: IncidentRowLike & { key: string | null },
): Omit<OpenIncidentRow, "key" | "detailJson"> {
  return {
    id: row.id,
    kind: row.kind as IncidentKind,
    severity: row.severity as Severity,
    host: row.host,
    resource: row.resource,
    vm: row.vm,
    jobId: row.jobId,
    summary: row.summary,
    openedAt: row.openedAt,
  };
}

function toView(row: IncidentRowLike): IncidentView {
  return {
    id: row.id,
    kind: row.kind,
    severity: row.severity,
    host: row.host,
    resource: row.resource,
    vm: row.vm,
    jobId: row.jobId,
    openedAt: row.openedAt.toISOString(),
    closedAt: row.closedAt?.toISOString() ?? null,
    summary: row.summary,
  };
}
