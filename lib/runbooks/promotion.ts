/**
 * The one gate every promotion in Tandem goes through: may DRBD resource R be Primary on host L ("local"),
 * given what DRBD on L reports, what the panel sees of the other host P ("peer"), and what the operator has
 * confirmed? `decidePromotion` is pure: no I/O, no clock, the same input always gives the same decision. A
 * runbook (failover, switchover, failback) calls it just before `drbdadm primary`, and again for a resource
 * that is already Primary before it starts VMs on it: "allowed" means "L may act as the only writer of R".
 *
 * Rules, checked in this order; the first one that refuses wins, and the only forceable rule is checked last,
 * so a refusal marked forceable really is allowed once forced:
 *
 * 1. `split-brain`: the caller has split-brain evidence. Refused, never forceable: recovery is its own
 *    guided procedure that chooses which host's changes to discard (UG9 "Manual split brain recovery").
 * 2. `two-primaries`: any observation says P is Primary: DRBD on L (`local.peerRole`, over the connection or
 *    left over from it) or the panel's report from P itself (`peerObserved.role`). Refused even when L is
 *    already Primary (two Primaries is a state Tandem must never create nor ignore), and even with force. The
 *    one exception is an explicit live-migration window (`twoPrimariesWindow`, allow-two-primaries enabled
 *    for one Xen live migration), and only while the link is Connected and idle (replication Established),
 *    both disks are UpToDate and the panel can reach P (it has to finish the migration and demote P).
 * 3. `local-role-unknown`: DRBD on L reports no role for R (resource down, report incomplete). Never
 *    forceable.
 * 4. `local-disk-unusable`: L's disk is Diskless, Failed, Detaching, Attaching, Negotiating or DUnknown:
 *    there is no local data to serve (or it is still being attached). Never forceable. Negotiating is not
 *    named in the requirements; it is a transient attach/handshake state, so we ask to wait, not to force.
 * 5. `peer-role-unknown`: Connected, but DRBD on L does not report P as Secondary (Unknown: the handshake is
 *    not finished). "Peer is Secondary" must be seen over a Connected link. Never forceable.
 * 6. `reconnect-first`: L is not Connected (StandAlone, Connecting/WFConnection, WFReportParams,
 *    Disconnecting, Unconnected, NetworkFailure, BrokenPipe, Timeout, ProtocolError, TearDown) while the
 *    panel can reach P. The two copies cannot be compared (P may hold writes made after the link broke),
 *    and a reachable host cannot be "confirmed down", so a confirmation is ignored here. Never forceable:
 *    restore the link, or power P off and confirm it (ganeti#846: do not promote before the peers connect).
 * 7. `confirm-peer-down`: L is not Connected, the panel cannot reach P, and nobody confirmed P down. P may
 *    still be Primary on a cut network. Never forceable: an operator confirms P is powered off, or a
 *    configured fence command succeeds (`peerConfirmedDown`), then this rule passes.
 * 8. `local-not-uptodate`: L's disk is Outdated, Inconsistent or Consistent (current or not, DRBD cannot
 *    tell), or it says UpToDate while a resync runs towards L (replication StartingSyncT, WFBitMapT,
 *    WFSyncUUID, SyncTarget, PausedSyncT, or Behind in Ahead/Behind mode). Refused unless forced with
 *    `force: { acceptDataLoss: true, byAdmin: true }` (both); the decision then says `forced: true` so the
 *    runbook uses `drbdadm primary --force` and the incident history records the override. Forcing a
 *    Connected SyncTarget makes L authoritative: P's newer data is overwritten by the resync.
 *
 * When no rule refuses: `action: "none"` if L is already Primary (nothing to run), else `"promote"`; `basis`
 * says why it is safe ({@link PROMOTION_BASES}). An L that is already Primary goes through the same rules:
 * starting VMs on it while P may be Primary, or on data that may be stale, is as unsafe as promoting it.
 * Warnings say what the operator should know (peer disk not UpToDate, a confirmation that was ignored, an
 * unneeded force, that a downed peer must come back Secondary).
 *
 * Sources: DRBD 9 User's Guide (fencing, split brain, dual-primary for live migration), ganeti/ganeti#846
 * (promoted before the peers connected) and #1167 (failback after an offline failover), LINBIT drbd9-tests
 * `fencing` (promotion refused while the peer is Primary). State names: agents/protocol/schemas.ts.
 */
import type {
  TDrbdConnectionState,
  TDrbdDiskState,
  TDrbdReplicationState,
  TDrbdRole,
} from "../../agents/protocol/schemas";

/** Why a promotion was refused; the top comment describes the rules in the order they are checked. */
export const REFUSAL_RULES = [
  /** Split-brain evidence: the guided split-brain recovery must run first. Never forceable. */
  "split-brain",
  /** P is Primary by some observation (outside a valid live-migration window). Never forceable. */
  "two-primaries",
  /** DRBD on L reports no role for the resource. Never forceable. */
  "local-role-unknown",
  /** L's disk has no usable data (Diskless, Failed, (De)Attaching, Negotiating, DUnknown). Not forceable. */
  "local-disk-unusable",
  /** Connected, but P's role is not reported as Secondary. Never forceable. */
  "peer-role-unknown",
  /** Not Connected while the panel can reach P: restore the replication link first. Never forceable. */
  "reconnect-first",
  /** Not Connected and P unreachable: an operator or a fence command must confirm P down. Never forceable. */
  "confirm-peer-down",
  /** L's data is not known to be current: forceable by an admin who accepts data loss. */
  "local-not-uptodate",
] as const;
export type RefusalRule = (typeof REFUSAL_RULES)[number];

/** Why a promotion is allowed. */
export const PROMOTION_BASES = [
  /** DRBD on L sees P as Secondary over a Connected link, and L's data is current. */
  "peer-secondary-connected",
  /** L is disconnected, P is unreachable, and an operator confirmed P is powered off. */
  "peer-confirmed-down-by-operator",
  /** L is disconnected, P is unreachable, and a configured fence command succeeded. */
  "peer-fenced",
  /** P is Primary inside an explicit live-migration window (Connected, idle, both UpToDate). */
  "two-primaries-window",
  /** L is already Primary and every rule holds: nothing to run. */
  "already-primary",
] as const;
export type PromotionBasis = (typeof PROMOTION_BASES)[number];

/** What DRBD on L reports for the resource. The peer fields are meaningful only while Connected. */
export interface LocalDrbdReport {
  role: TDrbdRole;
  disk: TDrbdDiskState;
  connection: TDrbdConnectionState;
  replication: TDrbdReplicationState;
  /** P's role as DRBD on L sees it ("Unknown" when not Connected). */
  peerRole: TDrbdRole;
  /** P's disk as DRBD on L sees it ("DUnknown" when not Connected). */
  peerDisk: TDrbdDiskState;
}

/** The panel's own observation of P. */
export interface PeerObservation {
  reachable: boolean;
  /**
   * P's own current report of the resource's role. Pass it only from a current report (omit it when P is
   * unreachable): a "Primary" here refuses even when `reachable` is false, so a stale report can block a
   * promotion but never enable one.
   */
  role?: TDrbdRole;
}

/** How P was confirmed down: accepted only while the panel cannot reach P and L is not Connected. */
export type PeerConfirmedDown = { by: "operator" } | { by: "fence"; command: string };

/** An explicit override of the `local-not-uptodate` rule; it counts only when both flags are true. */
export interface PromotionForce {
  acceptDataLoss: boolean;
  byAdmin: boolean;
}

export interface PromotionInput {
  resource: string;
  localHost: string;
  peerHost: string;
  local: LocalDrbdReport;
  peerObserved: PeerObservation;
  peerConfirmedDown: PeerConfirmedDown | null;
  /** Split-brain evidence (e.g. DRBD logged "Split-Brain detected" and the connection went StandAlone). */
  splitBrain: boolean;
  force?: PromotionForce;
  /** An explicit live-migration window: allow-two-primaries is enabled for one Xen live migration. */
  twoPrimariesWindow?: boolean;
}

export type PromotionDecision =
  | {
      allowed: true;
      /** "none" when L is already Primary. */
      action: "promote" | "none";
      /** True when an admin's force overrode `local-not-uptodate` (the runbook uses `primary --force`). */
      forced: boolean;
      basis: PromotionBasis;
      warnings: string[];
    }
  | { allowed: false; rule: RefusalRule; forceable: boolean; message: string };

/** Disk states with no local data to serve, or still being attached: never promotable. */
const UNUSABLE_DISK_STATES: ReadonlySet<TDrbdDiskState> = new Set<TDrbdDiskState>([
  "Diskless",
  "Failed",
  "Detaching",
  "Attaching",
  "Negotiating",
  "DUnknown",
]);

/** Transient disk states, for the message ("wait" rather than "attach a disk"). */
const TRANSIENT_DISK_STATES: ReadonlySet<TDrbdDiskState> = new Set<TDrbdDiskState>([
  "Detaching",
  "Attaching",
  "Negotiating",
]);

/** Replication states in which L receives data from P, so L's copy is not current yet. */
const TOWARDS_LOCAL_REPLICATION_STATES: ReadonlySet<TDrbdReplicationState> = new Set<TDrbdReplicationState>([
  "StartingSyncT",
  "WFBitMapT",
  "WFSyncUUID",
  "SyncTarget",
  "PausedSyncT",
  "Behind",
]);

const NEVER_FORCEABLE = "forcing cannot bypass this";

/** Decides whether `input.resource` may be Primary on `input.localHost`; see the rules in the top comment. */
export function decidePromotion(input: PromotionInput): PromotionDecision {
  const { resource: r, localHost: l, peerHost: p, local } = input;
  const connected = local.connection === "Connected";
  const refuse = (rule: RefusalRule, reason: string): PromotionDecision => ({
    allowed: false,
    rule,
    forceable: rule === "local-not-uptodate",
    message: `${refusalSubject(input)}: ${reason}.`,
  });

  if (input.splitBrain)
    return refuse(
      "split-brain",
      `DRBD detected a split brain between ${l} and ${p} (connection ${local.connection}), so the two ` +
        `copies have diverged. Run the split-brain recovery procedure to choose whose changes to keep; ` +
        NEVER_FORCEABLE,
    );

  const peerPrimaryEvidence = describePeerPrimaryEvidence(input);
  const inMigrationWindow = peerPrimaryEvidence !== null && isMigrationWindowOpen(input);
  if (peerPrimaryEvidence !== null && !inMigrationWindow)
    return refuse("two-primaries", describeTwoPrimaries(input, peerPrimaryEvidence));

  if (local.role === "Unknown")
    return refuse(
      "local-role-unknown",
      `DRBD on ${l} reports no role for ${r} (the resource is down or its status is incomplete). ` +
        `Bring ${r} up on ${l} and refresh its status; ${NEVER_FORCEABLE}`,
    );

  if (UNUSABLE_DISK_STATES.has(local.disk))
    return refuse(
      "local-disk-unusable",
      TRANSIENT_DISK_STATES.has(local.disk)
        ? `its disk on ${l} is ${local.disk}, so it has no settled local data yet. Wait until the disk ` +
            `state settles and try again; ${NEVER_FORCEABLE}`
        : `its disk on ${l} is ${local.disk}, so ${l} has no local data to serve. Attach (or replace) the ` +
            `backing disk on ${l} and let it resync from ${p}; ${NEVER_FORCEABLE}`,
    );

  if (connected && !inMigrationWindow && local.peerRole !== "Secondary")
    return refuse(
      "peer-role-unknown",
      `DRBD on ${l} is Connected to ${p} but reports its role as ${local.peerRole}, not Secondary. Wait ` +
        `for the connection handshake to finish and refresh; ${NEVER_FORCEABLE}`,
    );

  if (!connected && input.peerObserved.reachable)
    return refuse(
      "reconnect-first",
      `DRBD on ${l} is ${local.connection}, not Connected to ${p}, while the panel can still reach ${p}, ` +
        `so ${p} may hold writes newer than ${l}'s` +
        (input.peerConfirmedDown !== null ? ` (the confirmation that ${p} is down was rejected)` : "") +
        `. Restore the replication link (drbdadm connect ${r} on both hosts) and wait for Connected, or ` +
        `power ${p} off and confirm it down; ${NEVER_FORCEABLE}`,
    );

  if (!connected && input.peerConfirmedDown === null)
    return refuse(
      "confirm-peer-down",
      `DRBD on ${l} is ${local.connection} and the panel cannot reach ${p}, so ${p} may still be running ` +
        `${r} as Primary. Check that ${p} is powered off (or run its fence command) and confirm ${p} down, ` +
        `or restore the link to ${p}; ${NEVER_FORCEABLE}`,
    );

  const warnings: string[] = [];
  const isForceComplete = input.force?.acceptDataLoss === true && input.force.byAdmin === true;
  const staleness = describeStaleness(input);
  if (staleness !== null) {
    if (!isForceComplete) {
      const remedy = connected
        ? `Wait for the resync from ${p} to finish`
        : `Bring ${p} back and let it resync`;
      const partial = input.force !== undefined ? "; both the acceptance and an admin are required" : "";
      return refuse(
        "local-not-uptodate",
        `${staleness}. ${remedy}, or force with 'I accept losing the newer data' (admin only${partial})`,
      );
    }
    warnings.push(
      `Forced by an admin who accepted data loss: ${r} is used as Primary on ${l} although ${staleness}; ` +
        `writes that only ${p} holds will be lost when ${p} resyncs from ${l}.`,
    );
  } else if (input.force !== undefined) {
    warnings.push(`A force was given for ${r} on ${l} but not needed; it was not used.`);
  }

  warnings.push(...describeCircumstances(input, inMigrationWindow));
  return {
    allowed: true,
    action: local.role === "Primary" ? "none" : "promote",
    forced: staleness !== null,
    basis: chooseBasis(input, inMigrationWindow),
    warnings,
  };
}

function refusalSubject({ resource, localHost, local }: PromotionInput): string {
  return local.role === "Primary"
    ? `Refused to keep ${resource} Primary on ${localHost}`
    : `Refused to promote ${resource} on ${localHost}`;
}

/** Which observations say P is Primary, in words; null when none does. */
function describePeerPrimaryEvidence({
  localHost,
  peerHost,
  local,
  peerObserved,
}: PromotionInput): string | null {
  const evidence: string[] = [];
  if (local.peerRole === "Primary")
    evidence.push(
      local.connection === "Connected"
        ? `DRBD on ${localHost} sees ${peerHost} as Primary over the Connected link`
        : `DRBD on ${localHost} reports ${peerHost} as Primary (connection ${local.connection})`,
    );
  if (peerObserved.role === "Primary")
    evidence.push(
      peerObserved.reachable
        ? `${peerHost} itself reports Primary`
        : `the panel's last report from ${peerHost} says Primary`,
    );
  return evidence.length > 0 ? evidence.join(" and ") : null;
}

/** The only case in which P may be Primary while L becomes (or stays) Primary: a live-migration window. */
function isMigrationWindowOpen({ local, peerObserved, twoPrimariesWindow }: PromotionInput): boolean {
  return (
    twoPrimariesWindow === true &&
    peerObserved.reachable &&
    local.connection === "Connected" &&
    local.replication === "Established" &&
    local.disk === "UpToDate" &&
    local.peerDisk === "UpToDate"
  );
}

function describeTwoPrimaries(input: PromotionInput, evidence: string): string {
  const { resource: r, localHost: l, peerHost: p, local } = input;
  if (input.twoPrimariesWindow === true)
    return (
      `${p} is Primary (${evidence}) and the live-migration window needs a Connected, idle link ` +
      `(Established), UpToDate data on both hosts and a reachable ${p}, but the connection is ` +
      `${local.connection}, replication ${local.replication}, ${l} is ${local.disk}, ${p} is ` +
      `${local.peerDisk} and ${p} is ${input.peerObserved.reachable ? "reachable" : "unreachable"}. ` +
      `Wait for Connected and UpToDate on both hosts, or cancel the migration; ${NEVER_FORCEABLE}`
    );
  if (local.role === "Primary")
    return (
      `${r} is Primary on both ${l} and ${p} (${evidence}), a state Tandem must never create nor ignore. ` +
      `Stop the VMs using ${r} on one host, demote it there, then check the data for divergence; ` +
      NEVER_FORCEABLE
    );
  return (
    `${p} is Primary (${evidence}) and two Primaries would let both hosts write. Stop the VMs using ${r} ` +
    `on ${p} and demote it there first; ${NEVER_FORCEABLE}`
  );
}

/** Why L's copy is not known to be current, in words; null when it is UpToDate and not receiving a resync. */
function describeStaleness({ localHost: l, peerHost: p, local }: PromotionInput): string | null {
  if (TOWARDS_LOCAL_REPLICATION_STATES.has(local.replication))
    return (
      `its data on ${l} is ${local.disk} and still receiving a resync from ${p} ` +
      `(replication ${local.replication})`
    );
  switch (local.disk) {
    case "UpToDate":
      return null;
    case "Outdated":
      return `its data on ${l} is Outdated (${p} may hold newer writes)`;
    case "Inconsistent":
      return `its data on ${l} is Inconsistent (a resync from ${p} has not finished; it may be unusable)`;
    case "Consistent":
      return `its data on ${l} is Consistent, but DRBD cannot tell if it is current (${p} may be newer)`;
    default:
      return `its data on ${l} is ${local.disk}`;
  }
}

function chooseBasis(input: PromotionInput, inMigrationWindow: boolean): PromotionBasis {
  if (inMigrationWindow) return "two-primaries-window";
  if (input.local.role === "Primary") return "already-primary";
  if (input.local.connection === "Connected") return "peer-secondary-connected";
  return input.peerConfirmedDown?.by === "fence" ? "peer-fenced" : "peer-confirmed-down-by-operator";
}

/** Warnings about the circumstances of an allowed promotion (not about forcing). */
function describeCircumstances(input: PromotionInput, inMigrationWindow: boolean): string[] {
  const { resource: r, localHost: l, peerHost: p, local, peerConfirmedDown } = input;
  const warnings: string[] = [];
  if (inMigrationWindow)
    warnings.push(
      `${r} is Primary on both ${l} and ${p} for the live migration; demote it on the source host as soon ` +
        `as the migration ends and disable allow-two-primaries.`,
    );
  if (local.connection === "Connected") {
    if (!input.peerObserved.reachable)
      warnings.push(`The panel cannot reach ${p}; its role comes only from DRBD on ${l}.`);
    if (local.peerDisk !== "UpToDate")
      warnings.push(
        `${p}'s copy of ${r} is ${local.peerDisk}; ${l} holds the good copy and ${p} will resync from it.`,
      );
    if (peerConfirmedDown !== null)
      warnings.push(`The confirmation that ${p} is down was ignored: DRBD on ${l} is Connected to it.`);
  } else if (peerConfirmedDown !== null) {
    const how =
      peerConfirmedDown.by === "fence"
        ? `was fenced (${peerConfirmedDown.command})`
        : "was confirmed powered off by an operator";
    warnings.push(
      `${p} ${how}: when it comes back it must rejoin ${r} as Secondary and resync from ${l}; never start ` +
        `its VMs or promote it before that.`,
    );
  }
  return warnings;
}
