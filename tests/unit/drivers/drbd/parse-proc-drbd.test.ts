import { describe, expect, it } from "vitest";
import { parseProcDrbd } from "../../../../agents/drivers/drbd/parse-proc-drbd";
import { ZDrbdReport, type TDrbdDeviceReport, type TDrbdPeerReport } from "../../../../agents/parsers/shapes";
import { ParseError } from "../../../../lib/errors/app-error";
import { listSamples, loadSample } from "../../helpers/fixtures";
import { thrownBy } from "../../../helpers/thrown";

const F80 = "proc_drbd_80.txt";
const F83 = "proc_drbd_83.txt";
const F84 = "proc_drbd_84.txt";

const parseErrorOf = (fn: () => unknown) => thrownBy(fn, ParseError);

function peer(
  connection: string,
  role: TDrbdPeerReport["role"],
  disk: TDrbdPeerReport["disk"],
  extra: Partial<TDrbdPeerReport> = {},
): TDrbdPeerReport {
  return { connection, role, disk, ...extra };
}

function unconfigured(minor: number): TDrbdDeviceReport {
  return { minor, role: "Unknown", disk: "DUnknown", connection: "Unconfigured", peers: [] };
}

/** Minors 0-8 of Ganeti's proc_drbd8 / proc_drbd83 (same states; 8.0 prints no oos:). */
function ganetiMulti(oos: Partial<TDrbdPeerReport>): TDrbdDeviceReport[] {
  return [
    { minor: 0, role: "Primary", disk: "UpToDate", peers: [peer("Connected", "Secondary", "UpToDate", oos)] },
    { minor: 1, role: "Secondary", disk: "UpToDate", peers: [peer("Connected", "Primary", "UpToDate", oos)] },
    unconfigured(2),
    {
      minor: 4,
      role: "Primary",
      disk: "UpToDate",
      peers: [peer("WFConnection", "Unknown", "DUnknown", oos)],
    },
    { minor: 5, role: "Primary", disk: "UpToDate", peers: [peer("Connected", "Secondary", "Diskless", oos)] },
    { minor: 6, role: "Secondary", disk: "Diskless", peers: [peer("Connected", "Primary", "UpToDate", oos)] },
    {
      minor: 7,
      role: "Secondary",
      disk: "UpToDate",
      peers: [peer("WFConnection", "Unknown", "DUnknown", oos)],
    },
    {
      minor: 8,
      role: "Secondary",
      disk: "UpToDate",
      peers: [peer("StandAlone", "Unknown", "DUnknown", oos)],
    },
  ];
}

describe("/proc/drbd fixtures", () => {
  it("covers every sample of the three fixture files", () => {
    expect(listSamples(F80)).toEqual(["80-multi"]);
    expect(listSamples(F83)).toEqual([
      "83-multi",
      "83-sync-krnl2.6.39",
      "83-sync-want",
      "83-cfs-syncsource",
      "83-cfs-connected",
    ]);
    expect(listSamples(F84)).toEqual([
      "84-multi",
      "84-emptyfirst",
      "84-cfs-wfconnection",
      "84-cfs-syncsource",
      "84-cfs-connected",
      "84-splitbrain-both-nodes",
      "84-linbit-ug-3res",
    ]);
  });

  it("every sample yields the shared report shape (split-brain sample per node)", () => {
    const texts = [
      ...listSamples(F80).map((id) => loadSample(F80, id)),
      ...listSamples(F83).map((id) => loadSample(F83, id)),
      ...listSamples(F84)
        .filter((id) => id !== "84-splitbrain-both-nodes")
        .map((id) => loadSample(F84, id)),
      ...splitBrainDumps(),
    ];
    for (const text of texts) expect(ZDrbdReport.safeParse(parseProcDrbd(text)).success).toBe(true);
  });

  it("80-multi: 8.0 st: roles, resync:/act_log: lines (TAB or spaces), Unconfigured minor 2, no oos:", () => {
    expect(parseProcDrbd(loadSample(F80, "80-multi"))).toEqual({
      version: "8.0.12",
      apiVersion: 86,
      protocolRange: "86",
      devices: ganetiMulti({}),
    });
  });

  it("83-multi: 8.3.1 ro: roles, oos:0 everywhere, NUL flag characters tolerated", () => {
    const text = loadSample(F83, "83-multi");
    expect(text).toContain("r---\0"); // 8.3.1 prints a NUL for one flag column
    expect(parseProcDrbd(text)).toEqual({
      version: "8.3.1",
      apiVersion: 88,
      protocolRange: "86-89",
      devices: ganetiMulti({ outOfSyncKiB: 0 }),
    });
  });

  it("83-sync-krnl2.6.39: progress and finish: on one line, SyncSource 2.4% with 15358208 KiB out of sync", () => {
    const report = parseProcDrbd(loadSample(F83, "83-sync-krnl2.6.39"));
    expect(report.devices.map((d) => d.minor)).toEqual([0, 1, 2, 3, 4]);
    expect(report.devices[2]).toEqual(unconfigured(2));
    expect(report.devices[3]).toEqual({
      minor: 3,
      role: "Primary",
      disk: "UpToDate",
      peers: [
        peer("SyncSource", "Secondary", "Inconsistent", {
          replication: "SyncSource",
          syncPercent: 2.4,
          outOfSyncKiB: 15358208,
        }),
      ],
    });
    expect(report.devices[4]?.peers).toEqual([
      peer("WFConnection", "Unknown", "DUnknown", { outOfSyncKiB: 0 }),
    ]);
  });

  it("83-sync-want: srcversion: header, SyncTarget 44.4% (want: variant), three Unconfigured minors", () => {
    expect(parseProcDrbd(loadSample(F83, "83-sync-want"))).toEqual({
      version: "8.3.11",
      apiVersion: 88,
      protocolRange: "86-96",
      devices: [
        {
          minor: 0,
          role: "Secondary",
          disk: "Inconsistent",
          peers: [
            peer("SyncTarget", "Primary", "UpToDate", {
              replication: "SyncTarget",
              syncPercent: 44.4,
              outOfSyncKiB: 588416,
            }),
          ],
        },
        unconfigured(1),
        unconfigured(2),
        unconfigured(3),
      ],
    });
  });

  it("83-cfs-syncsource: TAB-indented progress lines, trailing space after srcversion, SyncSource 0.9%", () => {
    const text = loadSample(F83, "83-cfs-syncsource");
    expect(text).toContain("\t[>");
    expect(parseProcDrbd(text)).toEqual({
      version: "8.3.11",
      apiVersion: 88,
      protocolRange: "86-96",
      devices: [
        {
          minor: 1,
          role: "Primary",
          disk: "UpToDate",
          peers: [
            peer("SyncSource", "Secondary", "Inconsistent", {
              replication: "SyncSource",
              syncPercent: 0.9,
              outOfSyncKiB: 1007804,
            }),
          ],
        },
      ],
    });
  });

  it("83-cfs-connected: Connected Primary/Secondary UpToDate/UpToDate after the sync", () => {
    expect(parseProcDrbd(loadSample(F83, "83-cfs-connected")).devices).toEqual([
      {
        minor: 1,
        role: "Primary",
        disk: "UpToDate",
        peers: [peer("Connected", "Secondary", "UpToDate", { outOfSyncKiB: 0 })],
      },
    ]);
  });

  const ganeti84 = (first: number): TDrbdDeviceReport[] =>
    [
      {
        minor: 0,
        role: "Primary",
        disk: "UpToDate",
        peers: [peer("Connected", "Secondary", "UpToDate", { outOfSyncKiB: 0 })],
      },
      {
        minor: 1,
        role: "Secondary",
        disk: "UpToDate",
        peers: [peer("Connected", "Primary", "UpToDate", { outOfSyncKiB: 0 })],
      },
      unconfigured(2),
      {
        minor: 4,
        role: "Primary",
        disk: "UpToDate",
        peers: [peer("WFConnection", "Unknown", "DUnknown", { outOfSyncKiB: 1048320 })],
      },
      {
        minor: 6,
        role: "Secondary",
        disk: "Diskless",
        peers: [peer("Connected", "Primary", "UpToDate", { outOfSyncKiB: 0 })],
      },
      {
        minor: 8,
        role: "Secondary",
        disk: "UpToDate",
        peers: [peer("StandAlone", "Unknown", "DUnknown", { outOfSyncKiB: 1048320 })],
      },
    ].filter((d) => d.minor >= first) as TDrbdDeviceReport[];

  it("84-multi: 8.4.2 with blank lines between minors and a StandAlone minor without protocol letter", () => {
    expect(parseProcDrbd(loadSample(F84, "84-multi"))).toEqual({
      version: "8.4.2",
      apiVersion: 1,
      protocolRange: "86-101",
      devices: ganeti84(0),
    });
  });

  it("84-emptyfirst: blank line right after the header, minor 0 absent", () => {
    expect(parseProcDrbd(loadSample(F84, "84-emptyfirst")).devices).toEqual(ganeti84(1));
  });

  it("84-cfs-wfconnection: 8.4.11-1 WFConnection Secondary/Unknown Inconsistent/DUnknown, flags r----s", () => {
    expect(parseProcDrbd(loadSample(F84, "84-cfs-wfconnection"))).toEqual({
      version: "8.4.11-1",
      apiVersion: 1,
      protocolRange: "86-101",
      devices: [
        {
          minor: 1,
          role: "Secondary",
          disk: "Inconsistent",
          peers: [peer("WFConnection", "Unknown", "DUnknown", { outOfSyncKiB: 524236 })],
        },
      ],
    });
  });

  it("84-cfs-syncsource: SyncSource 8.6% with 481052 KiB out of sync", () => {
    expect(parseProcDrbd(loadSample(F84, "84-cfs-syncsource")).devices).toEqual([
      {
        minor: 1,
        role: "Primary",
        disk: "UpToDate",
        peers: [
          peer("SyncSource", "Secondary", "Inconsistent", {
            replication: "SyncSource",
            syncPercent: 8.6,
            outOfSyncKiB: 481052,
          }),
        ],
      },
    ]);
  });

  it("84-cfs-connected: Connected, nothing out of sync", () => {
    expect(parseProcDrbd(loadSample(F84, "84-cfs-connected")).devices).toEqual([
      {
        minor: 1,
        role: "Primary",
        disk: "UpToDate",
        peers: [peer("Connected", "Secondary", "UpToDate", { outOfSyncKiB: 0 })],
      },
    ]);
  });

  it("84-splitbrain-both-nodes: StandAlone on both nodes, Secondary and Primary, each with data out of sync", () => {
    const [node1, node2] = splitBrainDumps();
    expect(node1).toContain("\n2 23:52:00\n"); // the copy/paste-wrapped build tag is kept: it is not interpreted
    expect(parseProcDrbd(node1!)).toEqual({
      version: "8.4.0",
      apiVersion: 1,
      protocolRange: "86-100",
      devices: [
        {
          minor: 0,
          role: "Secondary",
          disk: "UpToDate",
          peers: [peer("StandAlone", "Unknown", "DUnknown", { outOfSyncKiB: 76 })],
        },
      ],
    });
    expect(parseProcDrbd(node2!).devices).toEqual([
      {
        minor: 0,
        role: "Primary",
        disk: "UpToDate",
        peers: [peer("StandAlone", "Unknown", "DUnknown", { outOfSyncKiB: 100 })],
      },
    ]);
  });

  it("84-splitbrain-both-nodes as one text: the kernel log line between the dumps is refused, named", () => {
    const err = parseErrorOf(() => parseProcDrbd(loadSample(F84, "84-splitbrain-both-nodes")));
    expect(err.details.line).toContain("Split-Brain detected but unresolved");
  });

  it("84-linbit-ug-3res: S/S, P/S, S/P (r----- and r--- flag columns)", () => {
    expect(parseProcDrbd(loadSample(F84, "84-linbit-ug-3res")).devices).toEqual([
      {
        minor: 0,
        role: "Secondary",
        disk: "UpToDate",
        peers: [peer("Connected", "Secondary", "UpToDate", { outOfSyncKiB: 0 })],
      },
      {
        minor: 1,
        role: "Primary",
        disk: "UpToDate",
        peers: [peer("Connected", "Secondary", "UpToDate", { outOfSyncKiB: 0 })],
      },
      {
        minor: 2,
        role: "Secondary",
        disk: "UpToDate",
        peers: [peer("Connected", "Primary", "UpToDate", { outOfSyncKiB: 0 })],
      },
    ]);
  });
});

/**
 * The split-brain sample holds node1's and node2's /proc/drbd with the author's `#` comments and one
 * syslog line between them: cut at each `version:` line and drop the syslog line (the `#` lines and the
 * wrapped build tag stay; the parser skips those).
 */
function splitBrainDumps(): string[] {
  const text = loadSample(F84, "84-splitbrain-both-nodes");
  const parts = text.split(/^(?=version:)/m).slice(1);
  expect(parts).toHaveLength(2);
  return parts.map((p) =>
    p
      .split("\n")
      .filter((l) => !/ kernel: /.test(l))
      .join("\n"),
  );
}

describe("/proc/drbd format variants (genuine texts not in the fixture folder)", () => {
  it("DRBD 0.7.19 (drbd-user mail): st:/ld:, SyncSource 100% stalled, PausedSyncS, mail-wrapped counters", () => {
    // /proc/drbd quoted in a 2006 drbd-user list post; the mailer broke the counter lines ("pe:0 ua:0 ap:0").
    const text = [
      "version: 0.7.19 (api:78/proto:74)",
      "SVN Revision: 2212 build by root@thewarehouse1, 2006-05-28 17:54:59",
      "   0: cs:SyncSource st:Primary/Secondary ld:Consistent",
      "      ns:844864 nr:0 dw:325684 dr:940453 al:200 bm:123 lo:0 pe:0 ua:13 ap:0",
      "          [===================>] sync'ed:100.0% (52/52)K",
      "          stalled",
      "   3: cs:PausedSyncS st:Primary/Secondary ld:Consistent",
      "      ns:284957716 nr:0 dw:284450048 dr:251121904 al:266659 bm:759 lo:0",
      "pe:0 ua:0 ap:0",
      "   4: cs:WFReportParams st:Primary/Unknown ld:Consistent",
      "      ns:92534448 nr:0 dw:133197016 dr:64860944 al:157353 bm:21176",
      "lo:19 pe:0 ua:0 ap:0",
      "",
    ].join("\n");
    expect(parseProcDrbd(text)).toEqual({
      version: "0.7.19",
      apiVersion: 78,
      protocolRange: "74",
      devices: [
        {
          minor: 0,
          role: "Primary",
          disk: "Consistent",
          peers: [
            peer("SyncSource", "Secondary", "DUnknown", { replication: "SyncSource", syncPercent: 100 }),
          ],
        },
        {
          minor: 3,
          role: "Primary",
          disk: "Consistent",
          peers: [peer("PausedSyncS", "Secondary", "DUnknown", { replication: "PausedSyncS" })],
        },
        {
          minor: 4,
          role: "Primary",
          disk: "Consistent",
          peers: [peer("WFReportParams", "Unknown", "DUnknown")],
        },
      ],
    });
  });

  it("DRBD 8.3.8 (blog capture): progress line followed by queue_delay:", () => {
    const text = [
      "version: 8.3.8 (api:88/proto:86-94)",
      "srcversion: 299AFE04D7AFD98B3CA0AF9",
      " 0: cs:SyncTarget ro:Secondary/Primary ds:Inconsistent/UpToDate C r----",
      "    ns:0 nr:210272 dw:210272 dr:0 al:0 bm:12 lo:1 pe:2682 ua:0 ap:0 ep:1 wo:b oos:813660",
      "        [===>................] sync'ed: 20.8% (813660/1023932)K queue_delay: 0.0 ms",
      "        finish: 0:01:30 speed: 8,976 (6,368) want: 1024,000 K/sec",
      "",
    ].join("\n");
    expect(parseProcDrbd(text).devices[0]?.peers).toEqual([
      peer("SyncTarget", "Primary", "UpToDate", {
        replication: "SyncTarget",
        syncPercent: 20.8,
        outOfSyncKiB: 813660,
      }),
    ]);
  });

  it("DRBD 9.0.32 (k8s docs capture): version lines only → no devices", () => {
    const text = [
      "version: 9.0.32-1 (api:2/proto:86-121)",
      "GIT-hash: 7d2933d5a3764fcc5e0bf54b71fd9cfb0363be1a build by @4904565a901d, 2022-09-07 08:53:17",
      "Transports (api:17): tcp (9.0.32-1)",
      "",
    ].join("\n");
    expect(parseProcDrbd(text)).toEqual({
      version: "9.0.32-1",
      apiVersion: 2,
      protocolRange: "86-121",
      devices: [],
    });
  });

  it("Ganeti proc_drbd80-emptyversion: no version line, Unconfigured minors", () => {
    const text = [
      "GIT-hash: 5c9f89594553e32adb87d9638dce591782f947e3 build by root@node1.example.com, 2009-05-22 12:47:52",
      " 0: cs:Connected st:Primary/Secondary ds:UpToDate/UpToDate C r---",
      "    ns:78728316 nr:0 dw:77675644 dr:1277039 al:254 bm:270 lo:0 pe:0 ua:0 ap:0",
      "        resync: used:0/61 hits:65657 misses:135 starving:0 dirty:0 changed:135",
      "        act_log: used:0/257 hits:11378843 misses:254 starving:0 dirty:0 changed:254",
      " 1: cs:Unconfigured",
      " 2: cs:Unconfigured",
      "",
      " 5: cs:Unconfigured",
      "",
    ].join("\n");
    expect(parseProcDrbd(text)).toEqual({
      devices: [
        { minor: 0, role: "Primary", disk: "UpToDate", peers: [peer("Connected", "Secondary", "UpToDate")] },
        unconfigured(1),
        unconfigured(2),
        unconfigured(5),
      ],
    });
  });

  it("Ganeti proc_drbd84_sync: SyncSource while both sides are Secondary (r---n- flags)", () => {
    const text = [
      "version: 8.4.2 (api:1/proto:86-101)",
      "GIT-hash: 7ad5f850d711223713d6dcadc3dd48860321070c build by root@example.com, 2013-04-10 07:45:25",
      " 0: cs:StandAlone ro:Primary/Unknown ds:UpToDate/DUnknown   r-----",
      "    ns:0 nr:0 dw:33318 dr:730 al:15 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:d oos:1048320",
      "",
      " 3: cs:Unconfigured",
      "",
      " 5: cs:SyncSource ro:Secondary/Secondary ds:UpToDate/Inconsistent C r---n-",
      "    ns:716992 nr:0 dw:0 dr:719432 al:0 bm:43 lo:0 pe:33 ua:18 ap:0 ep:1 wo:f oos:335744",
      "        [============>.......] sync'ed: 68.5% (335744/1048576)K",
      "        finish: 0:00:05 speed: 64,800 (64,800) K/sec",
      "",
    ].join("\n");
    expect(parseProcDrbd(text).devices).toEqual([
      {
        minor: 0,
        role: "Primary",
        disk: "UpToDate",
        peers: [peer("StandAlone", "Unknown", "DUnknown", { outOfSyncKiB: 1048320 })],
      },
      unconfigured(3),
      {
        minor: 5,
        role: "Secondary",
        disk: "UpToDate",
        peers: [
          peer("SyncSource", "Secondary", "Inconsistent", {
            replication: "SyncSource",
            syncPercent: 68.5,
            outOfSyncKiB: 335744,
          }),
        ],
      },
    ]);
  });
});

describe("/proc/drbd edits of genuine samples", () => {
  const connected = loadSample(F84, "84-cfs-connected");

  it("online verify: cs:VerifyS with a verified: progress line and proc_details lines", () => {
    const text = connected
      .replace("cs:Connected", "cs:VerifyS")
      .concat(
        "\t[====>...............] verified: 23.4% (401520/524236)K\n",
        "\tfinish: 0:00:41 speed: 9,720 (9,720) want: 102,400 K/sec\n",
        "\t 23% sector pos: 245712/1048472\n",
        "\tresync: used:0/61 hits:0 misses:0 starving:0 locked:0 changed:0\n",
        "\tblocked on activity log: 0\n",
      );
    expect(parseProcDrbd(text).devices[0]?.peers).toEqual([
      peer("VerifyS", "Secondary", "UpToDate", {
        replication: "VerifyS",
        syncPercent: 23.4,
        outOfSyncKiB: 0,
      }),
    ]);
  });

  it("8.4 congestion states: cs:Ahead is a replication state", () => {
    expect(parseProcDrbd(connected.replace("cs:Connected", "cs:Ahead")).devices[0]?.peers[0]).toEqual(
      peer("Ahead", "Secondary", "UpToDate", { replication: "Ahead", outOfSyncKiB: 0 }),
    );
  });

  it("tolerates unknown extra fields on the minor line and the counter line", () => {
    const text = connected.replace("C r-----", "C r----- xx:yes").replace("oos:0", "oos:0 zz:12");
    expect(parseProcDrbd(text)).toEqual(parseProcDrbd(connected));
  });

  it("skips a captured prompt line", () => {
    expect(parseProcDrbd(`[root@pcmk-1 ~]# cat /proc/drbd\n${connected}`)).toEqual(parseProcDrbd(connected));
  });

  it.each([
    ["an unknown connection state", connected.replace("cs:Connected", "cs:Connecting"), " 1: cs:Connecting"],
    ["an unknown role", connected.replace("ro:Primary/", "ro:Primaty/"), " 1: cs:Connected ro:Primaty/"],
    ["an unknown disk state", connected.replace("ds:UpToDate/", "ds:UpToDat/"), " 1: cs:Connected"],
    ["a minor line without ro:", connected.replace("ro:Primary/Secondary ", ""), " 1: cs:Connected ds:"],
    ["a minor line without ds:", connected.replace("ds:UpToDate/UpToDate ", ""), " 1: cs:Connected ro:"],
    ["roles without the peer half", connected.replace("ro:Primary/Secondary", "ro:Primary"), " 1: cs:"],
    ["an unreadable line in a minor's block", `${connected}    garbage here\n`, "    garbage here"],
    ["a non-numeric oos:", connected.replace("oos:0", "oos:zero"), "    ns:524236"],
    ["an unreadable version line", connected.replace("(api:1/", "(api:one/"), "version: 8.4.11-1"],
    ["text that is not /proc/drbd", "hello world\n", "hello world"],
  ])("throws ParseError naming the line for %s", (_what, text, linePrefix) => {
    const err = parseErrorOf(() => parseProcDrbd(text));
    expect(err.code).toBe("PARSE_ERROR");
    expect(err.details.tool).toBe("/proc/drbd");
    expect(err.details.line?.startsWith(linePrefix)).toBe(true);
    expect(err.message).toContain(JSON.stringify(err.details.line));
  });

  it("throws ParseError for empty input (a loaded module always prints its version)", () => {
    expect(() => parseProcDrbd("")).toThrow(ParseError);
  });
});
