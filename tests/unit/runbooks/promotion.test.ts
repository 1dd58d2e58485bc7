/**
 * The promotion gate (lib/runbooks/promotion.ts), tested two ways:
 * - every combination of the observable states, each checked against safety properties that are written
 *   here independently of the implementation (the oracle does not import its helpers);
 * - named cases from the runbooks (failover, switchover, failback, cut networks, live migration).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DRBD_CONNECTION_STATES,
  DRBD_DISK_STATES,
  DRBD_REPLICATION_STATES,
  DRBD_ROLES,
  type TDrbdConnectionState,
  type TDrbdDiskState,
  type TDrbdReplicationState,
  type TDrbdRole,
} from "../../../agents/protocol/schemas";
import {
  PROMOTION_BASES,
  type LocalDrbdReport,
  REFUSAL_RULES,
  decidePromotion,
  type PeerConfirmedDown,
  type PromotionBasis,
  type PromotionDecision,
  type PromotionForce,
  type PromotionInput,
  type RefusalRule,
} from "../../../lib/runbooks/promotion";

const RESOURCE = "r1";
const LOCAL = "xen2";
const PEER = "xen1";

/* The oracle's own vocabulary, from the requirements (not imported from the implementation). */
const NO_LOCAL_DATA: ReadonlySet<TDrbdDiskState> = new Set<TDrbdDiskState>([
  "Diskless",
  "Failed",
  "Detaching",
  "Attaching",
  "Negotiating",
  "DUnknown",
]);
const RESYNC_TOWARDS_LOCAL: ReadonlySet<TDrbdReplicationState> = new Set<TDrbdReplicationState>([
  "StartingSyncT",
  "WFBitMapT",
  "WFSyncUUID",
  "SyncTarget",
  "PausedSyncT",
  "Behind",
]);
const FULL_FORCE: PromotionForce = { acceptDataLoss: true, byAdmin: true };

const PEER_DISKS = ["UpToDate", "Outdated", "Inconsistent", "DUnknown"] as const satisfies TDrbdDiskState[];
const OBSERVED_ROLES = ["Primary", "Secondary", undefined] as const;
const CONFIRMATIONS: (PeerConfirmedDown | null)[] = [
  null,
  { by: "operator" },
  { by: "fence", command: "fence_ipmilan -a 10.0.0.11 -o off" },
];
const FORCES: (PromotionForce | undefined)[] = [
  undefined,
  FULL_FORCE,
  { acceptDataLoss: true, byAdmin: false },
  { acceptDataLoss: false, byAdmin: true },
];

interface Axes {
  role: TDrbdRole;
  disk: TDrbdDiskState;
  connection: TDrbdConnectionState;
  replication: TDrbdReplicationState;
  peerRole: TDrbdRole;
  peerDisk: TDrbdDiskState;
  reachable: boolean;
  observedRole: TDrbdRole | undefined;
  confirmed: PeerConfirmedDown | null;
  splitBrain: boolean;
  force: PromotionForce | undefined;
  window: boolean;
}

function buildInput(a: Axes): PromotionInput {
  return {
    resource: RESOURCE,
    localHost: LOCAL,
    peerHost: PEER,
    local: {
      role: a.role,
      disk: a.disk,
      connection: a.connection,
      replication: a.replication,
      peerRole: a.peerRole,
      peerDisk: a.peerDisk,
    },
    peerObserved:
      a.observedRole === undefined
        ? { reachable: a.reachable }
        : { reachable: a.reachable, role: a.observedRole },
    peerConfirmedDown: a.confirmed,
    splitBrain: a.splitBrain,
    ...(a.force === undefined ? {} : { force: a.force }),
    ...(a.window ? { twoPrimariesWindow: true } : {}),
  };
}

const isFullForce = (f: PromotionForce | undefined) => f?.acceptDataLoss === true && f.byAdmin === true;

/** The properties every decision must have; returns the first one broken, or null. */
function findBrokenProperty(input: PromotionInput, d: PromotionDecision): string | null {
  const { local, peerObserved, peerConfirmedDown } = input;
  const connected = local.connection === "Connected";
  const peerPrimary = local.peerRole === "Primary" || peerObserved.role === "Primary";
  const localCurrent = local.disk === "UpToDate" && !RESYNC_TOWARDS_LOCAL.has(local.replication);
  const windowValid =
    input.twoPrimariesWindow === true &&
    connected &&
    local.disk === "UpToDate" &&
    local.peerDisk === "UpToDate";

  if (!d.allowed) {
    if (
      d.message.trim() === "" ||
      !d.message.includes(input.resource) ||
      !d.message.includes(input.localHost)
    )
      return "a refusal's message names the resource and the host";
    if (d.forceable !== (d.rule === "local-not-uptodate")) return "only local-not-uptodate is forceable";
    if (d.forceable) {
      const forced = decidePromotion({ ...input, force: FULL_FORCE });
      if (!forced.allowed || !forced.forced) return "a forceable refusal is allowed once fully forced";
    }
  }
  if (input.splitBrain && (d.allowed || d.rule !== "split-brain")) return "split brain is refused";
  const bothPrimary = local.role === "Primary" && peerPrimary && !windowValid;
  if (bothPrimary && !input.splitBrain && (d.allowed || d.rule !== "two-primaries"))
    return "two Primaries are reported as such";
  if (!d.allowed) return null;

  if (peerPrimary && !(windowValid && d.basis === "two-primaries-window"))
    return "never allowed while the peer is Primary, outside a valid live-migration window";
  if (!localCurrent && !(d.forced && isFullForce(input.force)))
    return "a local copy that is not current needs a full force, and is then marked forced";
  if (d.forced && localCurrent) return "forced only when the force was needed";
  if (NO_LOCAL_DATA.has(local.disk)) return "never allowed without local data";
  if (local.role === "Unknown") return "never allowed with an unknown local role";
  if (!connected && peerObserved.reachable) return "never allowed disconnected from a reachable peer";
  if (!connected && peerConfirmedDown === null) return "never allowed disconnected from an unconfirmed peer";
  if (connected && d.basis !== "two-primaries-window" && local.peerRole !== "Secondary")
    return "connected: the peer is seen Secondary";
  if (d.action !== (local.role === "Primary" ? "none" : "promote"))
    return "already Primary means nothing to run";
  return null;
}

/** The canonical good cases, which must be allowed: the expected basis, or null when not canonical. */
function canonicalBasis(input: PromotionInput): PromotionBasis | null {
  const { local, peerObserved, peerConfirmedDown } = input;
  const peerPrimary = local.peerRole === "Primary" || peerObserved.role === "Primary";
  if (input.splitBrain || local.role !== "Secondary" || local.disk !== "UpToDate") return null;
  if (
    input.twoPrimariesWindow === true &&
    peerPrimary &&
    peerObserved.reachable &&
    local.connection === "Connected" &&
    local.replication === "Established" &&
    local.peerDisk === "UpToDate"
  )
    return "two-primaries-window";
  if (peerPrimary) return null;
  if (
    local.connection === "Connected" &&
    local.replication === "Established" &&
    local.peerRole === "Secondary"
  )
    return "peer-secondary-connected";
  const failover = local.connection !== "Connected" && local.replication === "Off" && !peerObserved.reachable;
  if (!failover || peerConfirmedDown === null) return null;
  return peerConfirmedDown.by === "fence" ? "peer-fenced" : "peer-confirmed-down-by-operator";
}

interface SweepResult {
  cases: number;
  broken: string[];
  rules: Set<RefusalRule>;
  bases: Set<PromotionBasis>;
}

function sweep(all: Iterable<Axes>): SweepResult {
  const result: SweepResult = { cases: 0, broken: [], rules: new Set(), bases: new Set() };
  for (const axes of all) {
    result.cases++;
    const input = buildInput(axes);
    const d = decidePromotion(input);
    let broken = findBrokenProperty(input, d);
    const expected = canonicalBasis(input);
    if (broken === null && expected !== null && !(d.allowed && d.basis === expected && !d.forced))
      broken = `canonical good case allowed as ${expected}`;
    if (broken !== null && result.broken.length < 10)
      result.broken.push(`${broken}: ${JSON.stringify(input)} -> ${JSON.stringify(d)}`);
    if (d.allowed) result.bases.add(d.basis);
    else result.rules.add(d.rule);
  }
  return result;
}

/** Every combination of the requirement's axes (replication follows the connection, no migration window). */
function* requirementAxes(): Generator<Axes> {
  for (const role of DRBD_ROLES)
    for (const disk of DRBD_DISK_STATES)
      for (const connection of DRBD_CONNECTION_STATES)
        for (const peerRole of DRBD_ROLES)
          for (const peerDisk of PEER_DISKS)
            for (const reachable of [true, false])
              for (const observedRole of OBSERVED_ROLES)
                for (const confirmed of CONFIRMATIONS)
                  for (const splitBrain of [false, true])
                    for (const force of FORCES)
                      yield {
                        role,
                        disk,
                        connection,
                        replication: connection === "Connected" ? "Established" : "Off",
                        peerRole,
                        peerDisk,
                        reachable,
                        observedRole,
                        confirmed,
                        splitBrain,
                        force,
                        window: false,
                      };
}

/**
 * Every replication state and the live-migration window, against every disk and connection state (the peer's
 * role "Unknown", the partial forces and split brain are covered by the sweep above).
 */
function* replicationAndWindowAxes(): Generator<Axes> {
  for (const replication of DRBD_REPLICATION_STATES)
    for (const window of [false, true])
      for (const role of ["Primary", "Secondary"] as const)
        for (const disk of DRBD_DISK_STATES)
          for (const connection of DRBD_CONNECTION_STATES)
            for (const peerRole of ["Primary", "Secondary"] as const)
              for (const peerDisk of ["UpToDate", "Outdated"] as const)
                for (const reachable of [true, false])
                  for (const observedRole of ["Primary", undefined] as const)
                    for (const confirmed of [null, CONFIRMATIONS[2]!])
                      for (const force of [undefined, FULL_FORCE])
                        yield {
                          role,
                          disk,
                          connection,
                          replication,
                          peerRole,
                          peerDisk,
                          reachable,
                          observedRole,
                          confirmed,
                          splitBrain: false,
                          force,
                          window,
                        };
}

describe("decidePromotion: every combination", () => {
  it("holds the safety properties over every combination of the requirement's axes", () => {
    const r = sweep(requirementAxes());
    expect(r.broken).toEqual([]);
    expect(r.cases).toBe(
      DRBD_ROLES.length *
        DRBD_DISK_STATES.length *
        DRBD_CONNECTION_STATES.length *
        DRBD_ROLES.length *
        PEER_DISKS.length *
        2 *
        OBSERVED_ROLES.length *
        CONFIRMATIONS.length *
        2 *
        FORCES.length,
    );
    // Every rule fires and every basis but the window's is reached (no window on these axes): the
    // properties above were really exercised, not skipped.
    expect([...r.rules].sort()).toEqual([...REFUSAL_RULES].sort());
    expect([...r.bases].sort()).toEqual(PROMOTION_BASES.filter((b) => b !== "two-primaries-window").sort());
  });

  it("holds them over every replication state, with and without a live-migration window", () => {
    const r = sweep(replicationAndWindowAxes());
    expect(r.broken).toEqual([]);
    // Two values each: window, role, peer role, peer disk, reachable, observed role, confirmation, force.
    const twoValued = 2 ** 8;
    expect(r.cases).toBe(
      DRBD_REPLICATION_STATES.length * DRBD_DISK_STATES.length * DRBD_CONNECTION_STATES.length * twoValued,
    );
    expect(r.bases).toContain("two-primaries-window");
  });

  it("holds them for any names and any mix of states (fast-check)", () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9.-]{0,15}$/);
    const role = fc.constantFrom(...DRBD_ROLES);
    const disk = fc.constantFrom(...DRBD_DISK_STATES);
    const force = fc.option(fc.record({ acceptDataLoss: fc.boolean(), byAdmin: fc.boolean() }), {
      nil: undefined,
    });
    const axes: fc.Arbitrary<Axes> = fc.record({
      role,
      disk,
      connection: fc.constantFrom(...DRBD_CONNECTION_STATES),
      replication: fc.constantFrom(...DRBD_REPLICATION_STATES),
      peerRole: role,
      peerDisk: disk,
      reachable: fc.boolean(),
      observedRole: fc.option(role, { nil: undefined }),
      confirmed: fc.constantFrom(...CONFIRMATIONS),
      splitBrain: fc.boolean(),
      force,
      window: fc.boolean(),
    });
    const input = fc
      .tuple(name, fc.uniqueArray(name, { minLength: 2, maxLength: 2 }), axes)
      .map(([resource, [localHost, peerHost], a]): PromotionInput => ({
        ...buildInput(a),
        resource,
        localHost: localHost!,
        peerHost: peerHost!,
      }));
    fc.assert(
      fc.property(input, (i) => {
        expect(findBrokenProperty(i, decidePromotion(i))).toBeNull();
      }),
      { numRuns: 2_000 },
    );
  });
});

type PairOverrides = Partial<Omit<PromotionInput, "local">> & { local?: Partial<LocalDrbdReport> };

/** The states of a healthy pair, seen from xen2 (L), with xen1 (P) Secondary; cases override what differs. */
function pair(overrides: PairOverrides = {}): PromotionInput {
  const { local, ...rest } = overrides;
  return {
    resource: RESOURCE,
    localHost: LOCAL,
    peerHost: PEER,
    peerObserved: { reachable: true, role: "Secondary" },
    peerConfirmedDown: null,
    splitBrain: false,
    ...rest,
    local: {
      role: "Secondary",
      disk: "UpToDate",
      connection: "Connected",
      replication: "Established",
      peerRole: "Secondary",
      peerDisk: "UpToDate",
      ...local,
    },
  };
}

/** xen1 crashed: DRBD on xen2 waits for it, the panel cannot reach it. */
const XEN1_CRASHED = {
  local: { connection: "Connecting", replication: "Off", peerRole: "Unknown", peerDisk: "DUnknown" },
  peerObserved: { reachable: false },
} as const satisfies PairOverrides;

type Expected =
  | { allowed: true; action: "promote" | "none"; basis: PromotionBasis; forced?: boolean }
  | { allowed: false; rule: RefusalRule; forceable: boolean };

const EXAMPLES: { name: string; input: PromotionInput; expected: Expected }[] = [
  {
    name: "failover after xen1 crashed and an operator confirmed it powered off",
    input: pair({ ...XEN1_CRASHED, peerConfirmedDown: { by: "operator" } }),
    expected: { allowed: true, action: "promote", basis: "peer-confirmed-down-by-operator", forced: false },
  },
  {
    name: "failover after xen1 crashed and its fence command succeeded (DRBD 8.4 WFConnection)",
    input: pair({
      ...XEN1_CRASHED,
      local: { ...XEN1_CRASHED.local, connection: "WFConnection" },
      peerConfirmedDown: { by: "fence", command: "fence_ipmilan -a 10.0.0.11 -o off" },
    }),
    expected: { allowed: true, action: "promote", basis: "peer-fenced", forced: false },
  },
  {
    name: "failover after xen1 crashed, nobody confirmed it down yet",
    input: pair(XEN1_CRASHED),
    expected: { allowed: false, rule: "confirm-peer-down", forceable: false },
  },
  {
    name: "switchover with both connected, after xen1 was demoted",
    input: pair(),
    expected: { allowed: true, action: "promote", basis: "peer-secondary-connected", forced: false },
  },
  {
    name: "switchover before xen1 was demoted",
    input: pair({ local: { peerRole: "Primary" }, peerObserved: { reachable: true, role: "Primary" } }),
    expected: { allowed: false, rule: "two-primaries", forceable: false },
  },
  {
    name: "switchover to a side whose peer is Outdated (local holds the good copy)",
    input: pair({ local: { peerDisk: "Outdated" } }),
    expected: { allowed: true, action: "promote", basis: "peer-secondary-connected", forced: false },
  },
  {
    name: "failback to xen2 while it is still resyncing (SyncTarget, Inconsistent)",
    input: pair({ local: { disk: "Inconsistent", replication: "SyncTarget" } }),
    expected: { allowed: false, rule: "local-not-uptodate", forceable: true },
  },
  {
    name: "failback while the resync is paused, even though the disk says UpToDate",
    input: pair({ local: { replication: "PausedSyncT" } }),
    expected: { allowed: false, rule: "local-not-uptodate", forceable: true },
  },
  {
    name: "failover to an Outdated side, xen1 confirmed off",
    input: pair({
      ...XEN1_CRASHED,
      local: { ...XEN1_CRASHED.local, disk: "Outdated" },
      peerConfirmedDown: { by: "operator" },
    }),
    expected: { allowed: false, rule: "local-not-uptodate", forceable: true },
  },
  {
    name: "failover to an Outdated side, forced by an operator who is not an admin",
    input: pair({
      ...XEN1_CRASHED,
      local: { ...XEN1_CRASHED.local, disk: "Outdated" },
      peerConfirmedDown: { by: "operator" },
      force: { acceptDataLoss: true, byAdmin: false },
    }),
    expected: { allowed: false, rule: "local-not-uptodate", forceable: true },
  },
  {
    name: "failover to an Outdated side, forced by an admin who accepts data loss",
    input: pair({
      ...XEN1_CRASHED,
      local: { ...XEN1_CRASHED.local, disk: "Outdated" },
      peerConfirmedDown: { by: "operator" },
      force: FULL_FORCE,
    }),
    expected: { allowed: true, action: "promote", basis: "peer-confirmed-down-by-operator", forced: true },
  },
  {
    name: "management network cut, replication link up, xen1 still Primary (even forced)",
    input: pair({ local: { peerRole: "Primary" }, peerObserved: { reachable: false }, force: FULL_FORCE }),
    expected: { allowed: false, rule: "two-primaries", forceable: false },
  },
  {
    name: "management and replication networks cut, xen1 possibly still Primary",
    input: pair({
      local: { connection: "NetworkFailure", replication: "Off", peerRole: "Unknown", peerDisk: "DUnknown" },
      peerObserved: { reachable: false },
    }),
    expected: { allowed: false, rule: "confirm-peer-down", forceable: false },
  },
  {
    name: "replication link cut, panel still reaches xen1 (confirmation rejected)",
    input: pair({
      local: { connection: "StandAlone", replication: "Off", peerRole: "Unknown", peerDisk: "DUnknown" },
      peerConfirmedDown: { by: "operator" },
      force: FULL_FORCE,
    }),
    expected: { allowed: false, rule: "reconnect-first", forceable: false },
  },
  {
    name: "StandAlone after a detected split brain (even forced)",
    input: pair({
      ...XEN1_CRASHED,
      local: { ...XEN1_CRASHED.local, connection: "StandAlone" },
      peerConfirmedDown: { by: "operator" },
      splitBrain: true,
      force: FULL_FORCE,
    }),
    expected: { allowed: false, rule: "split-brain", forceable: false },
  },
  {
    name: "live-migration window: xen1 Primary, Connected, both UpToDate",
    input: pair({
      local: { peerRole: "Primary" },
      peerObserved: { reachable: true, role: "Primary" },
      twoPrimariesWindow: true,
    }),
    expected: { allowed: true, action: "promote", basis: "two-primaries-window", forced: false },
  },
  {
    name: "live-migration window while xen2 is still a SyncTarget (even forced)",
    input: pair({
      local: { peerRole: "Primary", disk: "Inconsistent", replication: "SyncTarget" },
      twoPrimariesWindow: true,
      force: FULL_FORCE,
    }),
    expected: { allowed: false, rule: "two-primaries", forceable: false },
  },
  {
    name: "already Primary on xen2, xen1 Secondary",
    input: pair({ local: { role: "Primary" } }),
    expected: { allowed: true, action: "none", basis: "already-primary", forced: false },
  },
  {
    name: "Primary on both hosts",
    input: pair({ local: { role: "Primary", peerRole: "Primary" } }),
    expected: { allowed: false, rule: "two-primaries", forceable: false },
  },
  {
    name: "Diskless xen2 (disk failed and detached), even forced",
    input: pair({ local: { disk: "Diskless" }, force: FULL_FORCE }),
    expected: { allowed: false, rule: "local-disk-unusable", forceable: false },
  },
  {
    name: "Connected but the handshake has not reported xen1's role",
    input: pair({ local: { peerRole: "Unknown" } }),
    expected: { allowed: false, rule: "peer-role-unknown", forceable: false },
  },
  {
    name: "resource down on xen2",
    input: pair({
      local: { role: "Unknown", disk: "Diskless", connection: "StandAlone", replication: "Off" },
    }),
    expected: { allowed: false, rule: "local-role-unknown", forceable: false },
  },
];

describe("decidePromotion: named cases", () => {
  it.each(EXAMPLES)("$name", ({ input, expected }) => {
    expect(decidePromotion(input)).toMatchObject(expected);
  });

  it("explains a refusal in one message: resource, hosts, states and what to do", () => {
    const d = decidePromotion(EXAMPLES.find((e) => e.name.startsWith("failover to an Outdated side"))!.input);
    expect(d).toEqual({
      allowed: false,
      rule: "local-not-uptodate",
      forceable: true,
      message:
        "Refused to promote r1 on xen2: its data on xen2 is Outdated (xen1 may hold newer writes). " +
        "Bring xen1 back and let it resync, or force with 'I accept losing the newer data' (admin only).",
    });
  });

  it("tells the operator what to confirm when the peer cannot be reached", () => {
    const d = decidePromotion(pair(XEN1_CRASHED));
    expect(d.allowed).toBe(false);
    if (!d.allowed) expect(d.message).toMatch(/Check that xen1 is powered off .* confirm xen1 down/);
  });

  it("warns that a fenced peer must come back as Secondary, naming the fence command", () => {
    const d = decidePromotion(
      pair({
        ...XEN1_CRASHED,
        peerConfirmedDown: { by: "fence", command: "fence_ipmilan -a 10.0.0.11 -o off" },
      }),
    );
    expect(d.allowed && d.warnings.join("\n")).toMatch(/fence_ipmilan .* rejoin r1 as Secondary/);
  });

  it("does not change its input", () => {
    const input = pair({ ...XEN1_CRASHED, peerConfirmedDown: { by: "operator" }, force: FULL_FORCE });
    const before = structuredClone(input);
    decidePromotion(input);
    expect(input).toEqual(before);
  });
});
