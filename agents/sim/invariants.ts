/**
 * The simulated farm's safety invariants (issue 4, item 5). A checker observes the world over a test and
 * reports, once each:
 * - two Primaries for one resource outside a live-migration window (allow-two-primaries);
 * - a VM started on one host while it runs on the other;
 * - a promotion of a side without UpToDate data (and no UpToDate peer) that was not explicitly forced;
 * - acknowledged writes lost: once a resource is connected and in sync, its data must hold every write that
 *   was acknowledged to a VM (after a failover and a failback too).
 */
import type { SimWorld } from "./world";

export const VIOLATION_KINDS = [
  "two-primaries",
  "vm-on-both-hosts",
  "unforced-promotion-without-data",
  "lost-acknowledged-writes",
] as const;
export type ViolationKind = (typeof VIOLATION_KINDS)[number];

export interface Violation {
  kind: ViolationKind;
  atSimMs: number;
  subject: string;
  detail: string;
}

/** Writes smaller than this (KiB) are rounding, not loss. */
const EPSILON_KIB = 1;

export class InvariantChecker {
  private lastSeq = 0;
  private readonly open = new Set<string>();
  readonly violations: Violation[] = [];

  /** Looks at the world now (and the events since the last look); returns the violations found this time. */
  observe(world: SimWorld): Violation[] {
    const found: Violation[] = [];
    const report = (v: Violation, key: string | null) => {
      if (key !== null) {
        if (this.open.has(key)) return;
        this.open.add(key);
      }
      found.push(v);
    };
    const now = world.settledAtSimMs;

    for (const event of world.events) {
      if (event.seq <= this.lastSeq) continue;
      this.lastSeq = event.seq;
      if (event.kind === "vm-start" && event.alreadyRunningOn !== null)
        report(
          {
            kind: "vm-on-both-hosts",
            atSimMs: event.atSimMs,
            subject: event.vm,
            detail: `${event.vm} started on ${event.host} while running on ${event.alreadyRunningOn}`,
          },
          null,
        );
      if (event.kind === "promote" && event.disk !== "UpToDate" && !event.peerUpToDate && !event.forced)
        report(
          {
            kind: "unforced-promotion-without-data",
            atSimMs: event.atSimMs,
            subject: event.resource,
            detail: `${event.resource} promoted on ${event.host} with disk ${event.disk}, no UpToDate peer, not forced`,
          },
          null,
        );
    }

    for (const resource of Object.values(world.resources)) {
      const sides = Object.entries(resource.sides);
      const primaries = sides.filter(([, s]) => s.up && s.role === "Primary").map(([h]) => h);
      const key = `two-primaries:${resource.name}`;
      if (primaries.length > 1 && !resource.allowTwoPrimaries)
        report(
          {
            kind: "two-primaries",
            atSimMs: now,
            subject: resource.name,
            detail: `${resource.name} is Primary on ${primaries.join(" and ")} without allow-two-primaries`,
          },
          key,
        );
      else this.open.delete(key);

      const inSync =
        resource.resync === null &&
        sides.length > 1 &&
        sides.every(([, s]) => s.up && s.connection === "Connected" && s.disk === "UpToDate");
      if (inSync) {
        const have = Math.min(...sides.map(([, s]) => s.dataKiB));
        if (have + EPSILON_KIB < resource.ackedKiB)
          report(
            {
              kind: "lost-acknowledged-writes",
              atSimMs: now,
              subject: resource.name,
              detail: `${resource.name} holds ${Math.round(have)} KiB of the ${Math.round(resource.ackedKiB)} KiB of writes acknowledged to its VMs`,
            },
            `lost:${resource.name}:${Math.round(resource.ackedKiB - have)}`,
          );
      }
    }
    this.violations.push(...found);
    return found;
  }
}
