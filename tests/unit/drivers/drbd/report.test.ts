import { describe, expect, it } from "vitest";
import {
  applyEvents2Record,
  createEvents2State,
  events2StateToStatus,
  parseEvents2Line,
  parseEvents2Now,
} from "../../../../agents/drivers/drbd/parse-events2";
import { parseDrbdStatusJson } from "../../../../agents/drivers/drbd/parse-status-json";
import { parseDrbdStatusText } from "../../../../agents/drivers/drbd/parse-status-text";
import { drbdStatusToReport } from "../../../../agents/drivers/drbd/report";
import { ZDrbdReport, type TDrbdPeerReport } from "../../../../agents/parsers/shapes";
import type { TDrbdStatus } from "../../../../agents/protocol/schemas";
import { loadSample, splitTranscript, stripPrompt, unwrapContinuations } from "../../helpers/fixtures";

const EVENTS2 = "drbd9_events2.txt";
const JSON_FILE = "drbd9_status_json.txt";

function events2Now(id: string): TDrbdStatus {
  return parseEvents2Now(unwrapContinuations(stripPrompt(loadSample(EVENTS2, id))));
}

/** Feeds every line of an events2 stream through the reducer. */
function replay(text: string): TDrbdStatus {
  const state = createEvents2State();
  for (const line of text.split("\n")) {
    const rec = parseEvents2Line(line);
    if (rec) applyEvents2Record(state, rec);
  }
  return events2StateToStatus(state);
}

const established = (name: string, role: TDrbdPeerReport["role"], extra: Partial<TDrbdPeerReport> = {}) => ({
  peer: name,
  connection: "Connected",
  role,
  disk: "UpToDate" as const,
  replication: "Established",
  ...extra,
});

describe("drbdStatusToReport", () => {
  it("ug9-now (events2): one device entry per volume, each with the connection's peer device", () => {
    expect(drbdStatusToReport(events2Now("ug9-now"))).toEqual({
      devices: [
        {
          minor: 7,
          resource: "r0",
          volume: 0,
          role: "Secondary",
          disk: "UpToDate",
          peers: [established("remote-host", "Secondary")],
        },
        {
          minor: 8,
          resource: "r0",
          volume: 1,
          role: "Secondary",
          disk: "UpToDate",
          peers: [established("remote-host", "Secondary")],
        },
      ],
    });
  });

  it("ug9-statistics-now (events2): out-of-sync 0 is carried per volume", () => {
    const report = drbdStatusToReport(events2Now("ug9-statistics-now"));
    expect(report.devices.map((d) => d.peers)).toEqual([
      [established("remote-host", "Secondary", { outOfSyncKiB: 0 })],
      [established("remote-host", "Secondary", { outOfSyncKiB: 0 })],
    ]);
  });

  it("centreon-3node-now-statistics (events2): two peers, one Primary", () => {
    expect(drbdStatusToReport(events2Now("centreon-3node-now-statistics"))).toEqual({
      devices: [
        {
          minor: 1,
          resource: "drbd1",
          volume: 0,
          role: "Secondary",
          disk: "UpToDate",
          peers: [
            established("central-2004", "Primary", { outOfSyncKiB: 0 }),
            established("poller-2004-1", "Secondary", { outOfSyncKiB: 0 }),
          ],
        },
      ],
    });
  });

  it("drbdutils-events2-sync (events2 --statistics stream): SyncSource 37.5% with 2500 KiB out of sync", () => {
    const [, statistics] = splitTranscript(loadSample(EVENTS2, "drbdutils-events2-sync"));
    expect(drbdStatusToReport(replay(statistics!.output))).toEqual({
      devices: [
        {
          minor: 1000,
          resource: "some-resource",
          volume: 0,
          role: "Secondary",
          disk: "UpToDate",
          peers: [
            {
              peer: "some-peer",
              connection: "Connected",
              role: "Secondary",
              disk: "Inconsistent",
              replication: "SyncSource",
              syncPercent: 37.5,
              outOfSyncKiB: 2500,
            },
          ],
        },
      ],
    });
  });

  it("drbdutils-events2-all-create-destroy (before the destroys): StandAlone peer, Off/DUnknown", () => {
    const [block] = splitTranscript(loadSample(EVENTS2, "drbdutils-events2-all-create-destroy"));
    const creates = block!.output
      .split("\n")
      .filter((l) => !l.startsWith("destroy "))
      .join("\n");
    expect(drbdStatusToReport(replay(creates)).devices).toEqual([
      {
        minor: 1000,
        resource: "some-resource",
        volume: 0,
        role: "Secondary",
        disk: "Diskless",
        peers: [
          {
            peer: "some-peer",
            connection: "StandAlone",
            role: "Unknown",
            disk: "DUnknown",
            replication: "Off",
          },
        ],
      },
    ]);
  });

  it("salt-beijing and hacluster-fake-drbdsetup (status --json)", () => {
    expect(drbdStatusToReport(parseDrbdStatusJson(loadSample(JSON_FILE, "salt-beijing")))).toEqual({
      devices: [
        {
          minor: 5,
          resource: "beijing",
          volume: 0,
          role: "Primary",
          disk: "UpToDate",
          peers: [established("salt-node3", "Secondary", { outOfSyncKiB: 0 })],
        },
      ],
    });
    const ha = drbdStatusToReport(parseDrbdStatusJson(loadSample(JSON_FILE, "hacluster-fake-drbdsetup")));
    expect(ha.devices.map((d) => [d.resource, d.minor, d.role])).toEqual([
      ["1-single-0", 2, "Secondary"],
      ["1-single-1", 3, "Secondary"],
    ]);
    expect(ha.devices[0]?.peers).toEqual([
      established("SLE15-sp1-gm-drbd1145296-node1", "Primary", { outOfSyncKiB: 0 }),
    ]);
  });

  it("results satisfy the shared report schema", () => {
    for (const id of ["ug9-now", "ug9-statistics-now", "centreon-3node-now-statistics"])
      expect(ZDrbdReport.safeParse(drbdStatusToReport(events2Now(id))).success).toBe(true);
  });

  it("a connection without a peer device for a volume reads DUnknown / Off; no devices → no entries", () => {
    const status: TDrbdStatus = {
      resources: [
        {
          name: "r0",
          role: "Primary",
          devices: [
            { volume: 0, minor: 10, disk: "UpToDate" },
            { volume: 1, minor: 11, disk: "UpToDate" },
          ],
          connections: [
            {
              peerNodeId: 1,
              peerName: "b",
              connection: "Connected",
              peerRole: "Secondary",
              peerDevices: [{ volume: 0, replication: "Established", peerDisk: "UpToDate" }],
            },
          ],
        },
        { name: "r1", role: "Secondary", devices: [], connections: [] },
      ],
    };
    expect(drbdStatusToReport(status).devices.map((d) => [d.volume, d.peers])).toEqual([
      [0, [established("b", "Secondary")]],
      [1, [{ peer: "b", connection: "Connected", role: "Secondary", disk: "DUnknown", replication: "Off" }]],
    ]);
  });

  it("the same state from events2 and from `drbdadm status` compares equal (but the minor)", () => {
    // The cfs-primary-peer-inconsistent state as events2 --now prints it.
    const events2 = [
      "exists resource name:wwwdata role:Primary suspended:no",
      "exists connection name:wwwdata peer-node-id:1 conn-name:pcmk-2 connection:Connected role:Secondary",
      "exists device name:wwwdata volume:0 minor:1 disk:UpToDate",
      "exists peer-device name:wwwdata peer-node-id:1 conn-name:pcmk-2 volume:0 replication:Established peer-disk:Inconsistent resync-suspended:no",
      "exists -",
      "",
    ].join("\n");
    const fromEvents2 = drbdStatusToReport(parseEvents2Now(events2));
    const fromText = parseDrbdStatusText(loadSample("drbd9_status.txt", "cfs-primary-peer-inconsistent"));
    expect(fromEvents2.devices.map(({ minor: _minor, ...d }) => d)).toEqual(
      fromText.devices.map(({ minor: _minor, ...d }) => d),
    );
  });
});
