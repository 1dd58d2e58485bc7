/**
 * The real drbdadm (Debian's drbd-utils 9.x, installed by .ci/run) accepts the argv our builders make:
 * with `-d` (dry run) it parses the resource file and prints the drbdsetup/drbdmeta commands it would run.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  drbdConnectArgv,
  drbdCreateMdArgv,
  drbdDownArgv,
  drbdDumpArgv,
  drbdDumpXmlArgv,
  drbdNewCurrentUuidArgv,
  drbdPrimaryArgv,
  drbdUpArgv,
} from "../../agents/drivers/drbd/commands";
import { parseDrbdDumpXml } from "../../agents/drivers/drbd/parse-dump-xml";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-drbdadm-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const conf = path.join(dir, "drbd.conf");
// drbdadm checks that one `on` section names this machine's hostname.
fs.writeFileSync(
  conf,
  `resource r1 {
  device /dev/drbd1;
  disk /dev/vg0/r1;
  meta-disk internal;
  on ${os.hostname()} { node-id 0; address 127.0.0.1:7789; }
  on peer { node-id 1; address 127.0.0.2:7789; }
}
`,
);

/** Runs `argv` (which starts with "drbdadm") as a dry run against the test config. */
function dryRun(argv: string[]) {
  expect(argv[0]).toBe("drbdadm");
  const r = spawnSync("drbdadm", ["-c", conf, "-d", ...argv.slice(1)], { encoding: "utf8" });
  if (r.error) throw new Error(`drbdadm not runnable (install drbd-utils): ${r.error.message}`);
  return { status: r.status, out: r.stdout };
}

describe("real drbdadm accepts the DRBD 9 argv", () => {
  it.each([
    [drbdUpArgv("9", "r1"), /^drbdsetup new-resource r1 0$/m],
    [drbdDownArgv("9", "r1"), /^drbdsetup down r1$/m],
    [drbdPrimaryArgv("9", "r1", { force: true }), /^drbdsetup primary r1 --force$/m],
    [drbdConnectArgv("9", "r1", { discardMyData: true }), /^drbdsetup connect r1 1 --discard-my-data$/m],
    [
      drbdNewCurrentUuidArgv("9", "r1", { clearBitmap: true }),
      /^drbdsetup new-current-uuid 1 --clear-bitmap$/m,
    ],
    [
      drbdCreateMdArgv("9", "r1", { force: true }),
      /^drbdmeta 1 v09 \/dev\/vg0\/r1 internal create-md 1 --force$/m,
    ],
  ])("%j", (argv, expected) => {
    const r = dryRun(argv);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(expected);
  });

  it("dump validates a resource file, and refuses a broken one with exit 10", () => {
    const ok = spawnSync(
      drbdDumpArgv("r1", { configFile: conf })[0]!,
      drbdDumpArgv("r1", { configFile: conf }).slice(1),
      {
        encoding: "utf8",
      },
    );
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("resource r1 {");
    const broken = path.join(dir, "broken.conf");
    fs.writeFileSync(
      broken,
      fs.readFileSync(conf, "utf8").replace("meta-disk internal;", "meta-disk internal"),
    );
    const bad = spawnSync("drbdadm", drbdDumpArgv("r1", { configFile: broken }).slice(1), {
      encoding: "utf8",
    });
    expect(bad.status).toBe(10);
    expect(bad.stderr).toMatch(/broken\.conf:\d+/);
  });
});

describe("drbdadm dump-xml, parsed", () => {
  it("lists every resource with its minors, disks, addresses and ports (DRBD 9 syntax, two volumes)", () => {
    const file = path.join(dir, "dump-xml.conf");
    fs.writeFileSync(
      file,
      `resource r1 {
  device /dev/drbd1;
  disk /dev/vg0/r1;
  meta-disk internal;
  on ${os.hostname()} { node-id 0; address 127.0.0.1:7789; }
  on peer { node-id 1; address 10.0.0.2:7789; }
}
resource web {
  net { protocol A; }
  volume 0 { device /dev/drbd10; disk /dev/vg0/web0; meta-disk internal; }
  volume 1 { device /dev/drbd11; disk /dev/vg0/web1; meta-disk internal; }
  on ${os.hostname()} { node-id 0; address 127.0.0.1:7800; }
  on peer { node-id 1; address 10.0.0.2:7800; }
}
`,
    );
    const r = spawnSync(drbdDumpXmlArgv()[0]!, ["-c", file, ...drbdDumpXmlArgv().slice(1)], {
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(0);
    const parsed = parseDrbdDumpXml(r.stdout);
    expect(parsed.map((x) => [x.name, x.protocol])).toEqual([
      ["r1", null],
      ["web", "A"],
    ]);
    expect(parsed[0]!.hosts).toEqual([
      {
        name: os.hostname(),
        volumes: [{ volume: 0, minor: 1, disk: "/dev/vg0/r1" }],
        address: "127.0.0.1",
        port: 7789,
      },
      {
        name: "peer",
        volumes: [{ volume: 0, minor: 1, disk: "/dev/vg0/r1" }],
        address: "10.0.0.2",
        port: 7789,
      },
    ]);
    expect(parsed[1]!.hosts[1]!.volumes).toEqual([
      { volume: 0, minor: 10, disk: "/dev/vg0/web0" },
      { volume: 1, minor: 11, disk: "/dev/vg0/web1" },
    ]);
  });

  it("reads the DRBD 8.4 parser's dump too (no volumes, no node-id)", () => {
    const drbdadm84 = ["/lib/drbd/drbdadm-84", "/usr/lib/drbd/drbdadm-84"].find((p) => fs.existsSync(p));
    expect(drbdadm84, "drbd-utils 9 ships the 8.4 parser").toBeDefined();
    const file = path.join(dir, "dump-xml-84.conf");
    fs.writeFileSync(
      file,
      `resource r0 {
  device /dev/drbd0;
  disk /dev/sda7;
  meta-disk internal;
  on ${os.hostname()} { address 127.0.0.1:7788; }
  on peer { address 10.0.0.2:7788; }
}
`,
    );
    const r = spawnSync(drbdadm84!, ["-c", file, "dump-xml"], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(parseDrbdDumpXml(r.stdout)[0]).toMatchObject({
      name: "r0",
      hosts: [
        { name: os.hostname(), volumes: [{ minor: 0, disk: "/dev/sda7" }], address: "127.0.0.1", port: 7788 },
        { name: "peer", volumes: [{ minor: 0, disk: "/dev/sda7" }], address: "10.0.0.2", port: 7788 },
      ],
    });
  });

  it("refuses output that is not drbdadm's XML", () => {
    expect(() => parseDrbdDumpXml("")).toThrow(/empty output/);
    expect(() => parseDrbdDumpXml("<config><resource>")).toThrow(/not well-formed/);
    expect(() => parseDrbdDumpXml("<foo/>")).toThrow(/no <config> root/);
  });
});
