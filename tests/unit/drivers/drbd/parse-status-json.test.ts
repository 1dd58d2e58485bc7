import { describe, expect, it } from "vitest";
import { parseDrbdStatusJson } from "../../../../agents/drivers/drbd/parse-status-json";
import { ParseError } from "../../../../lib/errors/app-error";
import { listSamples, loadSample } from "../../helpers/fixtures";
import { thrownBy } from "../../../helpers/thrown";

const FILE = "drbd9_status_json.txt";

const parseErrorOf = (fn: () => unknown) => thrownBy(fn, ParseError);

/** The genuine salt-beijing sample as a JS value, for tests that edit one field of it. */
function beijing(): Array<Record<string, unknown>> {
  return JSON.parse(loadSample(FILE, "salt-beijing")) as Array<Record<string, unknown>>;
}

/** The first peer device of the first connection of an edited sample. */
function firstPeerDevice(json: Array<Record<string, unknown>>): Record<string, unknown> {
  const connections = json[0]!.connections as Array<Record<string, unknown>>;
  return (connections[0]!.peer_devices as Array<Record<string, unknown>>)[0]!;
}

describe("drbdsetup status --json fixtures", () => {
  it("covers every sample of the fixture file", () => {
    expect(listSamples(FILE)).toEqual(["salt-beijing", "hacluster-fake-drbdsetup", "salt-setup-show-json"]);
  });

  it("salt-beijing: Primary, one Established peer, percent-in-sync 100.00 not reported as progress", () => {
    expect(parseDrbdStatusJson(loadSample(FILE, "salt-beijing"))).toEqual({
      resources: [
        {
          name: "beijing",
          role: "Primary",
          suspended: false,
          devices: [{ volume: 0, minor: 5, disk: "UpToDate", sizeKiB: 307152 }],
          connections: [
            {
              peerNodeId: 2,
              peerName: "salt-node3",
              connection: "Connected",
              peerRole: "Secondary",
              peerDevices: [{ volume: 0, replication: "Established", peerDisk: "UpToDate", outOfSyncKiB: 0 }],
            },
          ],
        },
      ],
    });
  });

  it("hacluster-fake-drbdsetup: two Secondary resources with a Primary peer", () => {
    const status = parseDrbdStatusJson(loadSample(FILE, "hacluster-fake-drbdsetup"));
    expect(status.resources.map((r) => r.name)).toEqual(["1-single-0", "1-single-1"]);
    const peer = {
      peerNodeId: 1,
      peerName: "SLE15-sp1-gm-drbd1145296-node1",
      connection: "Connected",
      peerRole: "Primary",
      peerDevices: [{ volume: 0, replication: "Established", peerDisk: "UpToDate", outOfSyncKiB: 0 }],
    };
    expect(status.resources[0]).toEqual({
      name: "1-single-0",
      role: "Secondary",
      suspended: false,
      devices: [{ volume: 0, minor: 2, disk: "UpToDate", sizeKiB: 409600 }],
      connections: [peer],
    });
    expect(status.resources[1]).toEqual({
      name: "1-single-1",
      role: "Secondary",
      suspended: false,
      devices: [{ volume: 0, minor: 3, disk: "UpToDate", sizeKiB: 10200 }],
      connections: [peer],
    });
  });

  it("salt-setup-show-json: `drbdsetup show --json` is not a status and is refused", () => {
    const err = parseErrorOf(() => parseDrbdStatusJson(loadSample(FILE, "salt-setup-show-json")));
    expect(err.details.tool).toBe("drbdsetup status --json");
    expect(err.message).toContain("0.name");
  });
});

describe("parseDrbdStatusJson", () => {
  it("tolerates unknown keys at every level", () => {
    const json = beijing();
    json[0]!["future-resource-key"] = { nested: true };
    (json[0]!.devices as Array<Record<string, unknown>>)[0]!["open"] = false;
    (json[0]!.connections as Array<Record<string, unknown>>)[0]!["paths"] = [{ established: true }];
    firstPeerDevice(json)["future-peer-key"] = "x";
    expect(parseDrbdStatusJson(JSON.stringify(json))).toEqual(
      parseDrbdStatusJson(loadSample(FILE, "salt-beijing")),
    );
  });

  it("throws ParseError for an unknown state value, naming where it is", () => {
    const json = beijing();
    firstPeerDevice(json)["replication-state"] = "Teleporting";
    const err = parseErrorOf(() => parseDrbdStatusJson(JSON.stringify(json)));
    expect(err.details.tool).toBe("drbdsetup status --json");
    expect(err.details.line).toBe('0.connections.0.peer_devices.0.replication-state: "Teleporting"');
  });

  // No genuine JSON of a syncing resource exists (see fixtures INDEX.md): these edit the genuine sample.
  it("reports progress only in a Sync state: percent-resync-done, else percent-in-sync", () => {
    const json = beijing();
    const pd = firstPeerDevice(json);
    Object.assign(pd, {
      "replication-state": "SyncSource",
      "peer-disk-state": "Inconsistent",
      "percent-in-sync": 62.5,
      "out-of-sync": 1024,
    });
    expect(parseDrbdStatusJson(JSON.stringify(json)).resources[0]?.connections[0]?.peerDevices).toEqual([
      {
        volume: 0,
        replication: "SyncSource",
        peerDisk: "Inconsistent",
        syncPercent: 62.5,
        outOfSyncKiB: 1024,
      },
    ]);
    Object.assign(pd, {
      "has-sync-details": true,
      "percent-resync-done": 40.25,
      "estimated-seconds-to-finish": 12,
    });
    expect(
      parseDrbdStatusJson(JSON.stringify(json)).resources[0]?.connections[0]?.peerDevices[0],
    ).toMatchObject({
      syncPercent: 40.25,
      etaSeconds: 12,
    });
    pd["estimated-seconds-to-finish"] = 987654321; // drbdsetup's "no estimate"
    expect(
      parseDrbdStatusJson(JSON.stringify(json)).resources[0]?.connections[0]?.peerDevices[0],
    ).not.toHaveProperty("etaSeconds");
  });

  it("accepts percent-in-sync printed as a string", () => {
    const json = beijing();
    Object.assign(firstPeerDevice(json), { "replication-state": "SyncTarget", "percent-in-sync": "99.50" });
    expect(
      parseDrbdStatusJson(JSON.stringify(json)).resources[0]?.connections[0]?.peerDevices[0]?.syncPercent,
    ).toBe(99.5);
  });

  it("maps a resource without devices or connections", () => {
    expect(parseDrbdStatusJson('[{"name":"r0","node-id":0,"role":"Secondary","suspended":true}]')).toEqual({
      resources: [{ name: "r0", role: "Secondary", suspended: true, devices: [], connections: [] }],
    });
  });

  it("returns no resources for an empty array, and throws ParseError for empty or non-JSON output", () => {
    expect(parseDrbdStatusJson("[\n]\n")).toEqual({ resources: [] });
    expect(() => parseDrbdStatusJson("")).toThrow(ParseError);
    const err = parseErrorOf(() => parseDrbdStatusJson("r0 role:Secondary\n  disk:UpToDate\n"));
    expect(err.details.line).toContain("r0 role:Secondary");
    expect(() => parseDrbdStatusJson('{"name":"r0"}')).toThrow(ParseError);
  });
});
