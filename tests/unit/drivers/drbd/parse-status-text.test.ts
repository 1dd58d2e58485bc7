import { describe, expect, it } from "vitest";
import { parseDrbdStatusText } from "../../../../agents/drivers/drbd/parse-status-text";
import {
  ZDrbdReport,
  type TDrbdDeviceReport,
  type TDrbdPeerReport,
  type TDrbdReport,
} from "../../../../agents/parsers/shapes";
import { ParseError } from "../../../../lib/errors/app-error";
import { listSamples, loadSample, unwrapContinuations } from "../../helpers/fixtures";
import { thrownBy } from "../../../helpers/thrown";

const FILE = "drbd9_status.txt";

const parseErrorOf = (fn: () => unknown) => thrownBy(fn, ParseError);

function device(
  resource: string,
  role: TDrbdDeviceReport["role"],
  disk: TDrbdDeviceReport["disk"],
  peers: TDrbdPeerReport[],
  extra: { minor?: number; volume?: number } = {},
): TDrbdDeviceReport {
  return { minor: extra.minor ?? -1, resource, volume: extra.volume ?? 0, role, disk, peers };
}

function peer(
  name: string,
  connection: string,
  role: TDrbdPeerReport["role"],
  disk: TDrbdPeerReport["disk"],
  replication: string,
  extra: Partial<TDrbdPeerReport> = {},
): TDrbdPeerReport {
  return { peer: name, connection, role, disk, replication, ...extra };
}

const parseSample = (id: string): TDrbdReport => parseDrbdStatusText(loadSample(FILE, id));

describe("drbdadm / drbdsetup status text fixtures", () => {
  it("covers every sample of the fixture file", () => {
    expect(listSamples(FILE)).toEqual([
      "cfs-connecting",
      "cfs-primary-peer-inconsistent",
      "cfs-syncsource",
      "salt-syncsource-done",
      "salt-multivolume-3node",
      "ug9-drbdsetup-verbose-statistics",
      "ug84-drbdadm-status",
      "k8s-splitbrain-drbdadm-status",
      "weak-verbose-synctarget",
      "weak-84-utils9-syncsource",
    ]);
  });

  it("every sample yields the shared report shape", () => {
    for (const id of listSamples(FILE)) expect(ZDrbdReport.safeParse(parseSample(id)).success, id).toBe(true);
  });

  it("cfs-connecting: prompt line skipped; peer Connecting → role Unknown, no peer device (DUnknown, Off)", () => {
    expect(parseSample("cfs-connecting")).toEqual({
      devices: [
        device("wwwdata", "Secondary", "Inconsistent", [
          peer("pcmk-2", "Connecting", "Unknown", "DUnknown", "Off"),
        ]),
      ],
    });
  });

  it("cfs-primary-peer-inconsistent: peer line with role only → Connected; no replication: → Established", () => {
    expect(parseSample("cfs-primary-peer-inconsistent")).toEqual({
      devices: [
        device("wwwdata", "Primary", "UpToDate", [
          peer("pcmk-2", "Connected", "Secondary", "Inconsistent", "Established"),
        ]),
      ],
    });
  });

  it("cfs-syncsource: SyncSource without done: → no syncPercent", () => {
    expect(parseSample("cfs-syncsource").devices[0]?.peers).toEqual([
      peer("pcmk-2", "Connected", "Secondary", "Inconsistent", "SyncSource"),
    ]);
  });

  it("salt-syncsource-done: SyncSource done:96.47", () => {
    expect(parseSample("salt-syncsource-done")).toEqual({
      devices: [
        device("single", "Primary", "UpToDate", [
          peer("opensuse-node2", "Connected", "Secondary", "Inconsistent", "SyncSource", {
            syncPercent: 96.47,
          }),
        ]),
      ],
    });
  });

  it("salt-multivolume-3node: 2 resources × 2 volumes × 2 peers, blank line between resources", () => {
    const peers = [
      peer("node2", "Connected", "Secondary", "UpToDate", "Established"),
      peer("node3", "Connected", "Secondary", "UpToDate", "Established"),
    ];
    expect(parseSample("salt-multivolume-3node")).toEqual({
      devices: [
        device("test", "Primary", "UpToDate", peers, { volume: 0 }),
        device("test", "Primary", "UpToDate", peers, { volume: 1 }),
        device("res", "Primary", "UpToDate", peers, { volume: 0 }),
        device("res", "Primary", "UpToDate", peers, { volume: 1 }),
      ],
    });
  });

  const ug9Report: TDrbdReport = {
    devices: [
      device(
        "home",
        "Secondary",
        "UpToDate",
        [
          peer("nina", "Connected", "Secondary", "UpToDate", "Established", { outOfSyncKiB: 0 }),
          peer("nino", "Connected", "Secondary", "UpToDate", "Established", { outOfSyncKiB: 0 }),
          peer("nono", "Connecting", "Unknown", "DUnknown", "Off"),
        ],
        { minor: 0 },
      ),
    ],
  };

  it("ug9-drbdsetup-verbose-statistics: guide's wrapped lines, minor:0, early `disk:` for the peer disk", () => {
    expect(parseSample("ug9-drbdsetup-verbose-statistics")).toEqual(ug9Report);
  });

  it("ug9-drbdsetup-verbose-statistics: the same when the continuation lines are joined", () => {
    expect(
      parseDrbdStatusText(unwrapContinuations(loadSample(FILE, "ug9-drbdsetup-verbose-statistics"))),
    ).toEqual(ug9Report);
  });

  it("ug84-drbdadm-status: 8.4 kernel with utils 8.9+: connection named `peer`, replication:Established", () => {
    expect(parseSample("ug84-drbdadm-status")).toEqual({
      devices: [
        device("home", "Secondary", "UpToDate", [
          peer("peer", "Connected", "Secondary", "UpToDate", "Established"),
        ]),
      ],
    });
  });

  it("k8s-splitbrain-drbdadm-status: after split brain no peer line is printed → no peers", () => {
    expect(parseSample("k8s-splitbrain-drbdadm-status")).toEqual({
      devices: [device("r0", "Primary", "UpToDate", [])],
    });
  });

  it("weak-verbose-synctarget: command line skipped, minor:2, SyncTarget 23.53%, 6411740 KiB out of sync", () => {
    const expected: TDrbdReport = {
      devices: [
        device(
          "r1",
          "Secondary",
          "Inconsistent",
          [
            peer("drbd2", "Connected", "Primary", "UpToDate", "SyncTarget", {
              syncPercent: 23.53,
              outOfSyncKiB: 6411740,
            }),
          ],
          { minor: 2 },
        ),
      ],
    };
    expect(parseSample("weak-verbose-synctarget")).toEqual(expected);
    expect(parseDrbdStatusText(unwrapContinuations(loadSample(FILE, "weak-verbose-synctarget")))).toEqual(
      expected,
    );
  });

  it("weak-84-utils9-syncsource: two prompt lines skipped, SyncSource done:0.34", () => {
    expect(parseSample("weak-84-utils9-syncsource")).toEqual({
      devices: [
        device("test", "Primary", "UpToDate", [
          peer("peer", "Connected", "Secondary", "Inconsistent", "SyncSource", { syncPercent: 0.34 }),
        ]),
      ],
    });
  });
});

describe("status text format variants (drbd-utils drbdsetup.c printing)", () => {
  it("wrap_printf breaks a record at 80 columns and continues it indented", () => {
    // weak-verbose-synctarget as drbdsetup prints it on an 80-column terminal.
    const wrapped = [
      "r1 node-id:1 role:Secondary suspended:no",
      "    write-ordering:flush",
      "  volume:0 minor:2 disk:Inconsistent quorum:yes",
      "      size:8384220 read:0 written:1972628 al-writes:0 bm-writes:0 upper-pending:0",
      "      lower-pending:0 al-suspended:no blocked:no",
      "  drbd2 node-id:0 connection:Connected role:Primary congested:no ap-in-flight:0",
      "      rs-in-flight:0",
      "    volume:0 replication:SyncTarget peer-disk:UpToDate done:23.53",
      "        resync-suspended:no",
      "        received:1972628 sent:0 out-of-sync:6411740 pending:3 unacked:12 dbdt1:92.39",
      "        eta:68",
      "",
    ].join("\n");
    expect(parseDrbdStatusText(wrapped)).toEqual(parseSample("weak-verbose-synctarget"));
  });

  it("a connection without a name prints node-id: first", () => {
    const text =
      "r0 role:Secondary\n  disk:UpToDate\n  node-id:1 connection:StandAlone\n  node-id:2 connection:Connecting\n";
    expect(parseDrbdStatusText(text).devices[0]?.peers).toEqual([
      { connection: "StandAlone", role: "Unknown", disk: "DUnknown", replication: "Off" },
      { connection: "Connecting", role: "Unknown", disk: "DUnknown", replication: "Off" },
    ]);
  });

  it("multi-volume: a volume the peer prints nothing for reads DUnknown/Off; PausedSyncT keeps done:", () => {
    const text = [
      "r0 role:Secondary suspended:user",
      "  volume:0 disk:Inconsistent",
      "  volume:1 disk:UpToDate",
      "  alpha role:Primary",
      "    volume:0 replication:PausedSyncT peer-disk:UpToDate done:12.50 resync-suspended:user",
      "",
    ].join("\n");
    const [v0, v1] = parseDrbdStatusText(text).devices;
    expect(v0?.peers).toEqual([
      peer("alpha", "Connected", "Primary", "UpToDate", "PausedSyncT", { syncPercent: 12.5 }),
    ]);
    expect(v1?.peers).toEqual([peer("alpha", "Connected", "Primary", "DUnknown", "Off")]);
  });

  it("done: is not reported outside a resync", () => {
    const text = "r0 role:Primary\n  disk:UpToDate\n  b role:Secondary\n    peer-disk:UpToDate done:100.00\n";
    expect(parseDrbdStatusText(text).devices[0]?.peers[0]).toEqual(
      peer("b", "Connected", "Secondary", "UpToDate", "Established"),
    );
  });

  it("no resources: drbd-utils' comment line, or nothing at all", () => {
    expect(parseDrbdStatusText("# No currently configured DRBD found.\n")).toEqual({ devices: [] });
    expect(parseDrbdStatusText("")).toEqual({ devices: [] });
  });

  it("a resource without devices yields no device entry", () => {
    expect(parseDrbdStatusText("r0 role:Secondary\n  b connection:StandAlone\n")).toEqual({ devices: [] });
  });

  it("strips --color=always escapes", () => {
    const colored = loadSample(FILE, "cfs-primary-peer-inconsistent")
      .replace("role:Primary", "role:\x1b[1;36mPrimary\x1b[0m")
      .replace("disk:UpToDate", "disk:\x1b[32mUpToDate\x1b[0m");
    expect(parseDrbdStatusText(colored)).toEqual(parseSample("cfs-primary-peer-inconsistent"));
  });

  it("tolerates unknown extra fields on every record", () => {
    const text = loadSample(FILE, "salt-syncsource-done")
      .replace("role:Primary", "role:Primary future:1")
      .replace("disk:UpToDate", "disk:UpToDate open:yes")
      .replace("role:Secondary", "role:Secondary tls:no")
      .replace("done:96.47", "done:96.47 rs-new:x");
    expect(parseDrbdStatusText(text)).toEqual(parseSample("salt-syncsource-done"));
  });
});

describe("status text errors", () => {
  const base = loadSample(FILE, "salt-syncsource-done");

  it.each([
    ["an unknown role", base.replace("role:Primary", "role:Master"), "single role:Master"],
    ["an unknown disk state", base.replace("disk:UpToDate", "disk:Fine"), "  disk:Fine"],
    [
      "an unknown peer disk state",
      base.replace("peer-disk:Inconsistent", "peer-disk:Bad"),
      "    replication:",
    ],
    ["an unknown replication state", base.replace("SyncSource", "Syncing"), "    replication:Syncing"],
    [
      "an unknown connection state",
      base.replace("opensuse-node2 role:Secondary", "opensuse-node2 connection:Waiting"),
      "  opensuse-node2 connection:Waiting",
    ],
    ["a non-numeric done:", base.replace("done:96.47", "done:most"), "    replication:"],
    ["a stray word", `${base}  whatever\n`, "  whatever"],
    ["a resource without role:", base.replace(" role:Primary", ""), "single"],
    ["a device without disk:", base.replace("disk:UpToDate", "volume:0"), "  volume:0"],
    ["replication: outside a connection", "r0 role:Primary\n  replication:SyncSource\n", "  replication:"],
    ["a field given twice", base.replace("disk:UpToDate", "disk:UpToDate disk:Outdated"), "  disk:UpToDate"],
    ["an indented line before any resource", `  disk:UpToDate\n${base}`, "  disk:UpToDate"],
  ])("throws ParseError naming the line for %s", (_what, text, linePrefix) => {
    const err = parseErrorOf(() => parseDrbdStatusText(text));
    expect(err.code).toBe("PARSE_ERROR");
    expect(err.details.tool).toBe("drbdadm status");
    expect(err.details.line?.startsWith(linePrefix)).toBe(true);
  });
});
