import { describe, expect, it } from "vitest";
import {
  applyEvents2Record,
  createEvents2State,
  events2StateToStatus,
  parseEvents2Line,
  parseEvents2Now,
  type Events2State,
} from "../../../../agents/drivers/drbd/parse-events2";
import { ParseError } from "../../../../lib/errors/app-error";
import type { TDrbdStatus } from "../../../../agents/protocol/schemas";
import {
  listSamples,
  loadSample,
  splitTranscript,
  stripPrompt,
  unwrapContinuations,
} from "../../helpers/fixtures";
import { thrownBy } from "../../../helpers/thrown";

const FILE = "drbd9_events2.txt";

const parseErrorOf = (fn: () => unknown) => thrownBy(fn, ParseError);

/** Feeds every line of a stream (not only the initial dump) through the reducer. */
function replay(text: string, state: Events2State = createEvents2State()): TDrbdStatus {
  for (const line of text.split("\n")) {
    const rec = parseEvents2Line(line);
    if (rec) applyEvents2Record(state, rec);
  }
  return events2StateToStatus(state);
}

/** The drbd-utils transcript that every create/destroy/helper test starts with, as status. */
const SOME_RESOURCE_CREATED: TDrbdStatus = {
  resources: [
    {
      name: "some-resource",
      role: "Secondary",
      suspended: false,
      devices: [{ volume: 0, minor: 1000, disk: "Diskless" }],
      connections: [
        {
          peerNodeId: 1,
          peerName: "some-peer",
          connection: "StandAlone",
          peerRole: "Unknown",
          peerDevices: [{ volume: 0, replication: "Off", peerDisk: "DUnknown" }],
        },
      ],
    },
  ],
};

describe("drbdsetup events2 fixtures", () => {
  it("covers every sample of the fixture file", () => {
    expect(listSamples(FILE)).toEqual([
      "ug9-now",
      "ug9-statistics-now",
      "centreon-3node-now-statistics",
      "drbdtop-linstor-pvc",
      "drbdutils-events2-sync",
      "drbdutils-events2-all-create-destroy",
      "drbdutils-events2-all-create-helper",
    ]);
  });

  it("ug9-now: 1 resource, 2 volumes, 1 peer (guide sample, unwrapped)", () => {
    const text = unwrapContinuations(stripPrompt(loadSample(FILE, "ug9-now")));
    expect(parseEvents2Now(text)).toEqual({
      resources: [
        {
          name: "r0",
          role: "Secondary",
          suspended: false,
          devices: [
            { volume: 0, minor: 7, disk: "UpToDate" },
            { volume: 1, minor: 8, disk: "UpToDate" },
          ],
          connections: [
            {
              peerNodeId: 1,
              peerName: "remote-host",
              connection: "Connected",
              peerRole: "Secondary",
              peerDevices: [
                { volume: 0, replication: "Established", peerDisk: "UpToDate" },
                { volume: 1, replication: "Established", peerDisk: "UpToDate" },
              ],
            },
          ],
        },
      ],
    });
  });

  it("ug9-statistics-now: sizes and out-of-sync counters (guide sample, unwrapped)", () => {
    const text = unwrapContinuations(stripPrompt(loadSample(FILE, "ug9-statistics-now")));
    const [r0] = parseEvents2Now(text).resources;
    expect(r0?.devices).toEqual([
      { volume: 0, minor: 7, disk: "UpToDate", sizeKiB: 6291228 },
      { volume: 1, minor: 8, disk: "UpToDate", sizeKiB: 104854364 },
    ]);
    expect(r0?.connections).toEqual([
      {
        peerNodeId: 1,
        peerName: "remote-host",
        connection: "Connected",
        peerRole: "Secondary",
        peerDevices: [
          { volume: 0, replication: "Established", peerDisk: "UpToDate", outOfSyncKiB: 0 },
          { volume: 1, replication: "Established", peerDisk: "UpToDate", outOfSyncKiB: 0 },
        ],
      },
    ]);
  });

  it("centreon-3node-now-statistics: two peers, one Primary and one Secondary", () => {
    const status = parseEvents2Now(loadSample(FILE, "centreon-3node-now-statistics"));
    expect(status.resources).toHaveLength(1);
    const [res] = status.resources;
    expect(res?.name).toBe("drbd1");
    expect(res?.role).toBe("Secondary");
    expect(res?.suspended).toBe(false);
    expect(res?.devices).toEqual([{ volume: 0, minor: 1, disk: "UpToDate", sizeKiB: 765868 }]);
    expect(res?.connections).toEqual([
      {
        peerNodeId: 0,
        peerName: "central-2004",
        connection: "Connected",
        peerRole: "Primary",
        peerDevices: [{ volume: 0, replication: "Established", peerDisk: "UpToDate", outOfSyncKiB: 0 }],
      },
      {
        peerNodeId: 1,
        peerName: "poller-2004-1",
        connection: "Connected",
        peerRole: "Secondary",
        peerDevices: [{ volume: 0, replication: "Established", peerDisk: "UpToDate", outOfSyncKiB: 0 }],
      },
    ]);
  });

  it("drbdtop-linstor-pvc: --timestamps prefix is dropped", () => {
    const text = loadSample(FILE, "drbdtop-linstor-pvc");
    expect(parseEvents2Line(text.split("\n")[0]!)).toEqual({
      event: "exists",
      object: "resource",
      props: {
        name: "pvc-0a2826c9-7108-11e9-8f74-0026b954ca4c",
        role: "Secondary",
        suspended: "no",
        "write-ordering": "flush",
      },
    });
    expect(parseEvents2Now(text)).toEqual({
      resources: [
        {
          name: "pvc-0a2826c9-7108-11e9-8f74-0026b954ca4c",
          role: "Secondary",
          suspended: false,
          devices: [{ volume: 0, minor: 1016, disk: "UpToDate", sizeKiB: 515948 }],
          connections: [
            {
              peerNodeId: 2,
              peerName: "kubelet-b",
              connection: "Connected",
              peerRole: "Secondary",
              peerDevices: [{ volume: 0, replication: "Established", peerDisk: "UpToDate", outOfSyncKiB: 0 }],
            },
          ],
        },
      ],
    });
  });

  describe("drbdutils-events2-sync (stream after an empty dump)", () => {
    const [plain, statistics] = splitTranscript(loadSample(FILE, "drbdutils-events2-sync"));

    it("splits into two command outputs that exited 0", () => {
      expect(plain?.exitCode).toBe(0);
      expect(statistics?.exitCode).toBe(0);
      expect(statistics?.command).toContain("--statistics");
    });

    it("as a --now dump it is empty: the dump ends at the first line", () => {
      expect(parseEvents2Now(plain!.output)).toEqual({ resources: [] });
    });

    it("replayed without --statistics: SyncSource with done:37.50 and no eta", () => {
      const [res] = replay(plain!.output).resources;
      expect(res).toEqual({
        name: "some-resource",
        role: "Secondary",
        suspended: false,
        devices: [{ volume: 0, minor: 1000, disk: "UpToDate" }],
        connections: [
          {
            peerNodeId: 1,
            peerName: "some-peer",
            connection: "Connected",
            peerRole: "Secondary",
            peerDevices: [
              { volume: 0, replication: "SyncSource", peerDisk: "Inconsistent", syncPercent: 37.5 },
            ],
          },
        ],
      });
    });

    it("replayed with --statistics: syncPercent 37.5, etaSeconds 10, out-of-sync 2500 KiB", () => {
      const [res] = replay(statistics!.output).resources;
      expect(res?.devices).toEqual([{ volume: 0, minor: 1000, disk: "UpToDate", sizeKiB: 5 }]);
      expect(res?.connections[0]?.peerDevices).toEqual([
        {
          volume: 0,
          replication: "SyncSource",
          peerDisk: "Inconsistent",
          syncPercent: 37.5,
          etaSeconds: 10,
          outOfSyncKiB: 2500,
        },
      ]);
    });

    it("reports which records change the visible status", () => {
      const state = createEvents2State();
      const changed = plain!.output
        .split("\n")
        .map((line) => parseEvents2Line(line))
        .filter((rec) => rec !== null)
        .map((rec) => `${rec.event} ${rec.object} ${applyEvents2Record(state, rec)}`);
      expect(changed).toEqual([
        "exists - false",
        "create resource true",
        "create device true",
        "create connection true",
        "create peer-device true",
        "create path false",
        "change resource false", // only may_promote / promotion_score
        "change device true",
        "change path false",
        "change connection true",
        "change peer-device true",
      ]);
    });
  });

  it("drbdutils-events2-all-create-destroy: destroy removes every object", () => {
    const [block] = splitTranscript(loadSample(FILE, "drbdutils-events2-all-create-destroy"));
    const lines = block!.output.split("\n");
    const firstDestroy = lines.findIndex((l) => l.startsWith("destroy"));
    const state = createEvents2State();
    expect(replay(lines.slice(0, firstDestroy).join("\n"), state)).toEqual(SOME_RESOURCE_CREATED);

    const destroyed = lines.slice(firstDestroy).map((line) => {
      const rec = parseEvents2Line(line);
      return rec && applyEvents2Record(state, rec);
    });
    expect(destroyed.filter((d) => d !== null)).toEqual([false, true, true, true, true]); // path, then the rest
    expect(events2StateToStatus(state)).toEqual({ resources: [] });
  });

  it("a resource created after the initial dump (ug9-now, then the drbd-utils create/destroy stream) comes and goes; the others stay", () => {
    const dump = unwrapContinuations(stripPrompt(loadSample(FILE, "ug9-now")));
    const [block] = splitTranscript(loadSample(FILE, "drbdutils-events2-all-create-destroy"));
    const lines = block!.output.split("\n");
    const firstDestroy = lines.findIndex((l) => l.startsWith("destroy"));
    const state = createEvents2State();
    const before = replay(dump, state);
    expect(before.resources.map((r) => r.name)).toEqual(["r0"]);
    const created = replay(lines.slice(0, firstDestroy).join("\n"), state);
    expect(created.resources.map((r) => r.name)).toEqual(["r0", "some-resource"]);
    expect(created.resources[1]).toEqual(SOME_RESOURCE_CREATED.resources[0]);
    expect(replay(lines.slice(firstDestroy).join("\n"), state)).toEqual(before);
  });

  it("drbdutils-events2-all-create-helper: helper calls are ignored, TIME-stamped run gives the same status", () => {
    const [plain, timestamps] = splitTranscript(loadSample(FILE, "drbdutils-events2-all-create-helper"));
    expect(timestamps?.command).toContain("--timestamps");
    const helperLines = plain!.output.split("\n").filter((l) => / helper /.test(l));
    expect(helperLines).toHaveLength(2);
    const state = createEvents2State();
    for (const line of helperLines) {
      const rec = parseEvents2Line(line);
      expect(rec?.object).toBe("helper");
      expect(applyEvents2Record(state, rec!)).toBe(false);
    }
    expect(parseEvents2Line(helperLines[1]!)?.props).toMatchObject({
      helper: "before-resync-target",
      status: "1",
    });
    expect(replay(plain!.output)).toEqual(SOME_RESOURCE_CREATED);
    expect(replay(timestamps!.output)).toEqual(SOME_RESOURCE_CREATED);
  });
});

describe("parseEvents2Line", () => {
  it("returns null for a blank line and the marker record for 'exists -'", () => {
    expect(parseEvents2Line("")).toBeNull();
    expect(parseEvents2Line("   \r")).toBeNull();
    expect(parseEvents2Line("exists -")).toEqual({ event: "exists", object: "-", props: {} });
    expect(parseEvents2Line("2019-05-07T13:50:23.974032-07:00 exists -")).toEqual({
      event: "exists",
      object: "-",
      props: {},
    });
  });

  it("tolerates unknown keys (kept in props, not interpreted)", () => {
    const line = "exists resource name:foo xxx:bla role:Primary suspended:yes future-key:1:2";
    expect(parseEvents2Line(line)?.props).toEqual({
      name: "foo",
      xxx: "bla",
      role: "Primary",
      suspended: "yes",
      "future-key": "1:2",
    });
    expect(parseEvents2Now(line).resources).toEqual([
      { name: "foo", role: "Primary", suspended: true, devices: [], connections: [] },
    ]);
  });

  it("keeps colons inside values (path addresses)", () => {
    const rec = parseEvents2Line(
      "create path name:r peer-node-id:1 conn-name:p local:ipv4:1.2.3.4:7789 peer:ipv6:[fe80::1]:7789 established:no",
    );
    expect(rec?.props.local).toBe("ipv4:1.2.3.4:7789");
    expect(rec?.props.peer).toBe("ipv6:[fe80::1]:7789");
  });

  it("takes the new value of --diff 'old->new' notation", () => {
    const rec = parseEvents2Line(
      "change peer-device name:r0 peer-node-id:1 conn-name:b volume:0 replication:Established->SyncSource peer-disk:UpToDate->Inconsistent done:0.00->12.50",
    );
    expect(rec?.props).toMatchObject({
      replication: "SyncSource",
      "peer-disk": "Inconsistent",
      done: "12.50",
    });
  });

  it("strips --color escapes, raw or as printed by cat -v in drbd-utils' tests", () => {
    expect(
      parseEvents2Line(
        "change device name:some-resource volume:0 minor:1000 disk:^[[1;32mUpToDate^[[0m client:no",
      )?.props.disk,
    ).toBe("UpToDate");
    expect(parseEvents2Line("change resource name:r role:\x1b[1;36mPrimary\x1b[0m")?.props.role).toBe(
      "Primary",
    );
  });

  it("throws ParseError naming the tool and the line for an unknown state value", () => {
    const line = "exists device name:r0 volume:0 minor:7 disk:Frobnicated";
    const err = parseErrorOf(() => parseEvents2Line(line));
    expect(err.code).toBe("PARSE_ERROR");
    expect(err.details).toMatchObject({ tool: "drbdsetup events2", line });
    expect(err.message).toContain("disk");
    expect(() =>
      parseEvents2Line(
        "exists connection name:r0 peer-node-id:1 conn-name:b connection:Sleeping role:Secondary",
      ),
    ).toThrow(ParseError);
    expect(() =>
      parseEvents2Line(
        "exists peer-device name:r0 peer-node-id:1 conn-name:b volume:0 replication:Teleporting",
      ),
    ).toThrow(ParseError);
    expect(() => parseEvents2Line("exists resource name:r0 role:Primary suspended:maybe")).toThrow(
      ParseError,
    );
    expect(() =>
      parseEvents2Line("change peer-device name:r0 peer-node-id:1 conn-name:b volume:0 done:lots"),
    ).toThrow(ParseError);
  });

  it.each([
    ["hello world"],
    ["0"], // the exit code a transcript appends
    ["$ cat events2-sync.msgs | drbdsetup_instrumented events2; echo $?"],
    ["exists volume name:r0"], // unknown object
    ["exists resource name"], // not key:value
    ["exists resource :Primary"],
    ["exists"],
    ["TIME"],
  ])("throws ParseError naming the garbage line %j", (line) => {
    const err = parseErrorOf(() => parseEvents2Line(line));
    expect(err.details.tool).toBe("drbdsetup events2");
    expect(err.details.line).toBe(line);
  });
});

describe("events2 state reducer", () => {
  const dump = [
    "exists resource name:r1 role:Primary suspended:no",
    "exists device name:r1 volume:0 minor:1 disk:UpToDate",
    "exists connection name:r1 peer-node-id:1 conn-name:b connection:Connected role:Secondary",
    "exists peer-device name:r1 peer-node-id:1 conn-name:b volume:0 replication:Established peer-disk:UpToDate",
    "exists resource name:r0 role:Secondary suspended:user,quorum",
    "exists -",
  ].join("\n");

  it("sorts resources by name and maps suspended reasons to true", () => {
    const status = parseEvents2Now(dump);
    expect(status.resources.map((r) => [r.name, r.suspended])).toEqual([
      ["r0", true],
      ["r1", false],
    ]);
  });

  it("keeps props a partial change line leaves out", () => {
    const state = createEvents2State();
    replay(dump, state);
    const rec = parseEvents2Line("change connection name:r1 peer-node-id:1 conn-name:b role:Primary")!;
    expect(applyEvents2Record(state, rec)).toBe(true);
    const conn = events2StateToStatus(state).resources[1]?.connections[0];
    expect(conn).toMatchObject({ peerName: "b", connection: "Connected", peerRole: "Primary" });
    expect(applyEvents2Record(state, rec)).toBe(false); // same values again: nothing visible changed
  });

  it("remembers the kernel's split-brain helper call until the connection is established again", () => {
    const state = createEvents2State();
    replay(dump, state);
    const r1 = () => events2StateToStatus(state).resources.find((r) => r.name === "r1")!;
    const apply = (line: string) => applyEvents2Record(state, parseEvents2Line(line)!);
    expect(apply("change connection name:r1 peer-node-id:1 conn-name:b connection:StandAlone")).toBe(true);
    expect(r1().splitBrain).toBeUndefined();
    // Other helpers change nothing visible; the split-brain call does, once.
    expect(apply("call helper name:r1 peer-node-id:1 conn-name:b volume:0 helper:before-resync-target")).toBe(
      false,
    );
    expect(apply("call helper name:r1 peer-node-id:1 conn-name:b volume:0 helper:split-brain")).toBe(true);
    expect(
      apply("response helper name:r1 peer-node-id:1 conn-name:b volume:0 helper:split-brain status:0"),
    ).toBe(false);
    expect(r1().splitBrain).toBe(true);
    expect(apply("change connection name:r1 peer-node-id:1 conn-name:b connection:Connecting")).toBe(true);
    expect(r1().splitBrain).toBe(true); // looking for the peer again is not a recovery
    expect(apply("change connection name:r1 peer-node-id:1 conn-name:b connection:Connected")).toBe(true);
    expect(r1().splitBrain).toBeUndefined();
    // A helper call for a resource this state does not know changes nothing.
    expect(apply("call helper name:r9 peer-node-id:1 conn-name:b volume:0 helper:split-brain")).toBe(false);
  });

  it("shows progress only while resyncing", () => {
    const state = createEvents2State();
    replay(dump, state);
    replay(
      "change peer-device name:r1 peer-node-id:1 conn-name:b volume:0 replication:SyncSource peer-disk:Inconsistent done:50.00 eta:7",
      state,
    );
    expect(events2StateToStatus(state).resources[1]?.connections[0]?.peerDevices[0]).toMatchObject({
      syncPercent: 50,
      etaSeconds: 7,
    });
    const done = replay(
      "change peer-device name:r1 peer-node-id:1 conn-name:b volume:0 replication:Established peer-disk:UpToDate",
      state,
    );
    expect(done.resources[1]?.connections[0]?.peerDevices[0]).toEqual({
      volume: 0,
      replication: "Established",
      peerDisk: "UpToDate",
    });
  });

  it("keys connections by conn-name when there is no peer-node-id (DRBD 8.4 kernel)", () => {
    const status = parseEvents2Now(
      [
        "exists resource name:home role:Secondary suspended:no",
        "exists connection name:home conn-name:peer connection:Connected role:Secondary",
        "exists peer-device name:home conn-name:peer volume:0 replication:Established peer-disk:UpToDate",
        "exists -",
      ].join("\n"),
    );
    expect(status.resources[0]?.connections).toEqual([
      {
        peerName: "peer",
        connection: "Connected",
        peerRole: "Secondary",
        peerDevices: [{ volume: 0, replication: "Established", peerDisk: "UpToDate" }],
      },
    ]);
  });

  it("ignores everything after 'exists -' in a --now dump", () => {
    expect(parseEvents2Now(`${dump}\nchange resource name:r0 role:Primary\n`).resources[0]?.role).toBe(
      "Secondary",
    );
  });

  it("returns no resources for empty input", () => {
    expect(parseEvents2Now("")).toEqual({ resources: [] });
    expect(parseEvents2Now("\n\n")).toEqual({ resources: [] });
    expect(parseEvents2Now("exists -\n")).toEqual({ resources: [] });
    expect(events2StateToStatus(createEvents2State())).toEqual({ resources: [] });
  });

  it("throws ParseError for records it cannot place or objects missing their state", () => {
    const state = createEvents2State();
    expect(() =>
      applyEvents2Record(state, { event: "change", object: "device", props: { volume: "0" } }),
    ).toThrow(ParseError);
    const noVolume = {
      event: "create",
      object: "peer-device",
      props: { name: "r8", "peer-node-id": "1" },
    } as const;
    expect(() => applyEvents2Record(state, noVolume)).toThrow(/without volume:/);
    expect(state.resources.size).toBe(0); // a rejected record leaves the state as it was
    const orphan =
      "exists peer-device name:r9 peer-node-id:1 conn-name:b volume:0 replication:Established peer-disk:UpToDate";
    expect(applyEvents2Record(state, parseEvents2Line(orphan)!)).toBe(true);
    expect(parseErrorOf(() => events2StateToStatus(state)).message).toMatch(/resource r9 has no role:/);
    applyEvents2Record(state, parseEvents2Line("exists resource name:r9 role:Primary")!);
    expect(parseErrorOf(() => events2StateToStatus(state)).message).toMatch(
      /resource r9 peer-node-id:1 has no conn-name:/,
    );
  });
});
