import { describe, expect, it } from "vitest";
import { parseProcDrbd } from "../../../../agents/drivers/drbd/parse-proc-drbd";
import {
  minorOwners,
  parseShMinor,
  parseShResources,
  procDrbdToStatus,
} from "../../../../agents/drivers/drbd/proc-status";
import { drbdShMinorArgv, drbdShResourcesArgv } from "../../../../agents/drivers/drbd/commands";
import { ZDrbdStatus } from "../../../../agents/protocol/schemas";
import { ParseError } from "../../../../lib/errors/app-error";
import { loadSample } from "../../helpers/fixtures";

describe("drbdadm sh-resources / sh-minor", () => {
  it("builds argv without a shell and refuses a hostile resource name", () => {
    expect(drbdShResourcesArgv()).toEqual(["drbdadm", "sh-resources"]);
    expect(drbdShMinorArgv("r0")).toEqual(["drbdadm", "sh-minor", "r0"]);
    expect(() => drbdShMinorArgv("-c/etc/passwd")).toThrow(/invalid DRBD resource name/);
  });

  it("reads the names and minors drbdadm prints", () => {
    expect(parseShResources("r0 r1 web.data\n")).toEqual(["r0", "r1", "web.data"]);
    expect(parseShResources("\n")).toEqual([]);
    expect(parseShMinor("3\n2\n")).toEqual([3, 2]);
  });

  it("refuses a name it could not pass on, and a minor line that is not a number", () => {
    expect(() => parseShResources("r0 $(reboot)")).toThrow(ParseError);
    expect(() => parseShMinor("1\n/dev/drbd2\n")).toThrow(/expected a minor number.*\/dev\/drbd2/s);
  });

  it("numbers volumes in sh-minor's order and refuses a minor claimed twice", () => {
    const owners = minorOwners([
      { resource: "r0", minors: [1] },
      { resource: "r1", minors: [3, 2] },
    ]);
    expect([...owners]).toEqual([
      [1, { resource: "r0", volume: 0 }],
      [3, { resource: "r1", volume: 0 }],
      [2, { resource: "r1", volume: 1 }],
    ]);
    expect(() =>
      minorOwners([
        { resource: "a", minors: [4] },
        { resource: "b", minors: [4] },
      ]),
    ).toThrow(/minor 4 belongs to both a and b/);
  });
});

describe("procDrbdToStatus", () => {
  it("gives the 8.4 multi-minor sample the state events2 would give", () => {
    const report = parseProcDrbd(loadSample("proc_drbd_84.txt", "84-multi"));
    const owners = minorOwners([
      { resource: "r0", minors: [0] },
      { resource: "r1", minors: [1] },
      { resource: "r2", minors: [2] }, // configured in the file, Unconfigured in the kernel
      { resource: "r4", minors: [4] },
      { resource: "r6", minors: [6] },
      // minor 8 is up in the kernel but in no resource file
    ]);
    const status = ZDrbdStatus.parse(procDrbdToStatus(report, owners));
    expect(status.resources.map((r) => r.name)).toEqual(["r0", "r1", "r4", "r6", "minor-8"]);
    const [r0, r1, r4, r6, m8] = status.resources;
    expect(r0).toEqual({
      name: "r0",
      role: "Primary",
      devices: [{ volume: 0, minor: 0, disk: "UpToDate" }],
      connections: [
        {
          peerName: "peer",
          connection: "Connected",
          peerRole: "Secondary",
          peerDevices: [{ volume: 0, replication: "Established", peerDisk: "UpToDate", outOfSyncKiB: 0 }],
        },
      ],
    });
    expect(r1?.role).toBe("Secondary");
    expect(r1?.connections[0]?.peerRole).toBe("Primary");
    expect(r4?.connections[0]).toMatchObject({ connection: "WFConnection", peerRole: "Unknown" });
    expect(r4?.connections[0]?.peerDevices[0]).toMatchObject({
      replication: "Off",
      peerDisk: "DUnknown",
      outOfSyncKiB: 1048320,
    });
    expect(r6?.devices[0]?.disk).toBe("Diskless");
    expect(m8?.connections[0]?.connection).toBe("StandAlone");
  });

  it("splits a SyncSource cs into Connected + replication SyncSource with the progress", () => {
    const report = parseProcDrbd(loadSample("proc_drbd_84.txt", "84-cfs-syncsource"));
    const status = procDrbdToStatus(report, minorOwners([{ resource: "drbd1", minors: [1] }]));
    expect(status.resources[0]?.connections[0]).toEqual({
      peerName: "peer",
      connection: "Connected",
      peerRole: "Secondary",
      peerDevices: [
        {
          volume: 0,
          replication: "SyncSource",
          peerDisk: "Inconsistent",
          syncPercent: 8.6,
          outOfSyncKiB: 481052,
        },
      ],
    });
  });

  it("groups the volumes of one resource in volume order", () => {
    const report = parseProcDrbd(
      [
        "version: 8.4.11-1 (api:1/proto:86-101)",
        " 2: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----",
        " 3: cs:Connected ro:Primary/Secondary ds:UpToDate/Inconsistent C r-----",
        "",
      ].join("\n"),
    );
    const status = procDrbdToStatus(report, minorOwners([{ resource: "r1", minors: [3, 2] }]));
    expect(status.resources).toHaveLength(1);
    expect(status.resources[0]?.devices.map((d) => [d.volume, d.minor])).toEqual([
      [0, 3],
      [1, 2],
    ]);
    expect(status.resources[0]?.connections[0]?.peerDevices.map((p) => [p.volume, p.peerDisk])).toEqual([
      [1, "UpToDate"],
      [0, "Inconsistent"],
    ]);
  });

  it("refuses DRBD 0.7's own connection states instead of guessing", () => {
    const report = parseProcDrbd(
      [
        "version: 0.7.25 (api:79/proto:74)",
        " 0: cs:SkippedSyncS st:Primary/Secondary ld:Consistent",
        "",
      ].join("\n"),
    );
    expect(() => procDrbdToStatus(report, new Map())).toThrow(/predates DRBD 8/);
  });
});
