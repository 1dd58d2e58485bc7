/**
 * The audit trail: who did what to which target, when (UTC), from where, and how it ended. Entries are appended
 * only; each one's hash covers its fields and the previous entry's hash, so an edited, inserted or deleted entry
 * breaks the chain (`npm run audit:verify`). The newest seq and hash are also written to a head file outside the
 * database, so cutting entries off the end is caught too; and each entry can be forwarded to syslog as it is made.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Db } from "../db";

export const AUDIT_RESULTS = ["ok", "refused", "failed"] as const;
export type AuditResult = (typeof AUDIT_RESULTS)[number];

export interface AuditInput {
  actor: string;
  action: string;
  target?: string | null;
  address?: string | null;
  result: AuditResult;
  detail?: string | null;
}

export interface AuditRecord {
  seq: number;
  at: Date;
  actor: string;
  action: string;
  target: string | null;
  address: string | null;
  result: string;
  detail: string | null;
  prevHash: string;
  hash: string;
}

export const GENESIS = "0".repeat(64);

/** The entry's hash: SHA-256 over its fields and the previous hash, as one JSON array (no ambiguity in joining). */
export function entryHash(e: Omit<AuditRecord, "hash">): string {
  const fields = [
    e.seq,
    e.at.toISOString(),
    e.actor,
    e.action,
    e.target,
    e.address,
    e.result,
    e.detail,
    e.prevHash,
  ];
  return crypto.createHash("sha256").update(JSON.stringify(fields)).digest("hex");
}

export type AuditVerdict =
  | { ok: true; entries: number; head: { seq: number; hash: string } | null }
  | { ok: false; entries: number; seq: number; reason: string };

/** Field lengths kept: a request cannot flood the log with one entry. */
const MAX = 500;
const clip = (s: string | null | undefined) =>
  s == null ? null : s.length > MAX ? `${s.slice(0, MAX)}…` : s;

export class AuditLog {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly forwarders = new Set<(entry: AuditRecord) => void>();

  constructor(
    private readonly db: Db,
    /** The head file (`<data dir>/audit-head.json`); none: no head witness (tests). */
    private readonly headFile: string | null,
  ) {}

  /** Called with every entry once it is stored (syslog). */
  onAppend(forward: (entry: AuditRecord) => void): () => void {
    this.forwarders.add(forward);
    return () => this.forwarders.delete(forward);
  }

  /** Appends one entry. Appends from this process are serialized; another process racing for a seq retries. */
  append(input: AuditInput): Promise<AuditRecord> {
    const next = this.tail.then(() => this.appendNow(input));
    this.tail = next.catch(() => undefined);
    return next;
  }

  private async appendNow(input: AuditInput): Promise<AuditRecord> {
    for (let attempt = 0; ; attempt++) {
      const last = await this.db.auditEntry.findFirst({ orderBy: { seq: "desc" } });
      const base = {
        seq: (last?.seq ?? 0) + 1,
        at: new Date(),
        actor: clip(input.actor) ?? "",
        action: clip(input.action) ?? "",
        target: clip(input.target),
        address: clip(input.address),
        result: input.result,
        detail: clip(input.detail),
        prevHash: last?.hash ?? GENESIS,
      };
      const entry: AuditRecord = { ...base, hash: entryHash(base) };
      try {
        await this.db.auditEntry.create({ data: entry });
      } catch (err) {
        // Another process (the command line) took this seq: read the new tail and chain onto it.
        if (attempt < 5 && /Unique constraint|UNIQUE constraint|P2002/.test(String(err))) continue;
        throw err;
      }
      this.writeHead(entry);
      for (const forward of this.forwarders) forward(entry);
      return entry;
    }
  }

  private writeHead(entry: AuditRecord): void {
    if (!this.headFile) return;
    const tmp = `${this.headFile}.${process.pid}.tmp`;
    fs.mkdirSync(path.dirname(this.headFile), { recursive: true });
    fs.writeFileSync(tmp, JSON.stringify({ seq: entry.seq, hash: entry.hash }) + "\n", { mode: 0o600 });
    fs.renameSync(tmp, this.headFile);
  }

  /** Walks the whole chain: seqs without gaps from 1, every hash recomputed, the tail matching the head file. */
  async verify(): Promise<AuditVerdict> {
    let prev = null as { seq: number; hash: string } | null;
    let entries = 0;
    for (let after = 0; ;) {
      const page = await this.db.auditEntry.findMany({
        where: { seq: { gt: after } },
        orderBy: { seq: "asc" },
        take: 1000,
      });
      if (page.length === 0) break;
      for (const row of page) {
        entries++;
        const expectedSeq: number = (prev?.seq ?? 0) + 1;
        if (row.seq !== expectedSeq)
          return {
            ok: false,
            entries,
            seq: expectedSeq,
            reason: `entry ${expectedSeq} is missing (next is ${row.seq})`,
          };
        if (row.prevHash !== (prev?.hash ?? GENESIS))
          return {
            ok: false,
            entries,
            seq: row.seq,
            reason: `entry ${row.seq} does not chain onto entry ${row.seq - 1}`,
          };
        if (entryHash(row) !== row.hash)
          return {
            ok: false,
            entries,
            seq: row.seq,
            reason: `entry ${row.seq} was altered (its hash does not match its fields)`,
          };
        prev = { seq: row.seq, hash: row.hash };
      }
      after = page[page.length - 1]!.seq;
    }
    if (this.headFile && fs.existsSync(this.headFile)) {
      const head = JSON.parse(fs.readFileSync(this.headFile, "utf8")) as { seq: number; hash: string };
      if (!prev || head.seq > prev.seq)
        return {
          ok: false,
          entries,
          seq: prev ? prev.seq + 1 : 1,
          reason: `entries after ${prev?.seq ?? 0} up to ${head.seq} were removed`,
        };
      if (head.seq === prev.seq && head.hash !== prev.hash)
        return {
          ok: false,
          entries,
          seq: prev.seq,
          reason: `entry ${prev.seq} differs from the recorded head`,
        };
    }
    return { ok: true, entries, head: prev };
  }
}

/** One line for syslog or a log file: JSON-encoded, so a name with a newline cannot forge a second line. */
export function auditLine(e: AuditRecord): string {
  return JSON.stringify({
    seq: e.seq,
    at: e.at.toISOString(),
    actor: e.actor,
    action: e.action,
    target: e.target,
    address: e.address,
    result: e.result,
    detail: e.detail,
    hash: e.hash,
  });
}
