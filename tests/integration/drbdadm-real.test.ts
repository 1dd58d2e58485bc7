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
  drbdNewCurrentUuidArgv,
  drbdPrimaryArgv,
  drbdUpArgv,
} from "../../agents/drivers/drbd/commands";

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
