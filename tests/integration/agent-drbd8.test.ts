/**
 * DRBD 8.4 with its own drbd-utils (no `drbdsetup events2`): the real agent bundle reads /proc/drbd and maps
 * minors to resources through drbdadm's sh-resources / sh-minor, answered here by the real 8.4 config parser
 * of Debian's drbd-utils (/lib/drbd/drbdadm-84) on a real resource file. Only `drbdadm --version` is a
 * stand-in (it prints what drbd-utils 8.4.3 prints), because the installed utils are version 9.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentClient } from "../../lib/agent-client/client";
import type { TDrbdStatus } from "../../agents/protocol/schemas";
import { loadSample } from "../unit/helpers/fixtures";
import { startBundledAgent, waitFor } from "../helpers/sim";

const DRBDADM_84 = ["/lib/drbd/drbdadm-84", "/usr/lib/drbd/drbdadm-84"].find((p) => fs.existsSync(p));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-drbd84-"));
const bin = path.join(dir, "bin");
const conf = path.join(dir, "drbd.conf");
const proc = path.join(dir, "proc-drbd");
const calls = path.join(dir, "calls.log");
let client: AgentClient;
const changes: TDrbdStatus[] = [];

/** Two resources as the farm has them, on this machine's hostname (drbdadm keeps the `on <hostname>` section). */
function resourceFile(host: string): string {
  const on = (name: string, minor: number, port: number, ip: string) =>
    `  on ${name} {\n    device /dev/drbd${minor}; disk /dev/vg0/r${minor}; address ${ip}:${port}; meta-disk internal;\n  }\n`;
  return [1, 2]
    .map(
      (minor) =>
        `resource r${minor} {\n  protocol C;\n${on(host, minor, 7788 + minor, "10.0.0.1")}${on("peer-host", minor, 7788 + minor, "10.0.0.2")}}\n`,
    )
    .join("");
}

beforeAll(async () => {
  if (!DRBDADM_84) throw new Error("drbd-utils' drbdadm-84 is missing: .ci/run installs drbd-utils");
  fs.mkdirSync(bin);
  fs.writeFileSync(conf, resourceFile(os.hostname()));
  fs.writeFileSync(
    path.join(bin, "drbdadm"),
    [
      "#!/bin/sh",
      `printf '%s\\n' "drbdadm $*" >> '${calls}'`,
      'if [ "$1" = --version ]; then',
      "  printf 'DRBDADM_BUILDTAG=GIT-hash:\\\\ 89a294209144b68adb3ee85a73221f964d3ee515\\\\ build\\\\ by\\\\ root@xen1\\n'",
      "  printf 'DRBDADM_API_VERSION=1\\nDRBD_KERNEL_VERSION_CODE=0x080403\\nDRBDADM_VERSION_CODE=0x080403\\nDRBDADM_VERSION=8.4.3\\n'",
      "  exit 0",
      "fi",
      `exec '${DRBDADM_84}' -c '${conf}' "$@"`,
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  // drbdsetup must not be needed: a call to it fails loudly and is logged.
  fs.writeFileSync(
    path.join(bin, "drbdsetup"),
    `#!/bin/sh\nprintf '%s\\n' "drbdsetup $*" >> '${calls}'\nexit 20\n`,
    {
      mode: 0o755,
    },
  );
  fs.writeFileSync(calls, "");
  fs.writeFileSync(proc, loadSample("proc_drbd_84.txt", "84-emptyfirst"));
  client = await startBundledAgent("drbd84", {
    xenConfigDir: dir,
    path: `${bin}:/usr/bin:/bin`,
    args: ["--proc-drbd", proc, "--poll-ms", "200"],
    beforeStart: (c) =>
      c.onNotification((name, params) => {
        if (name === "drbd.changed") changes.push(params as TDrbdStatus);
      }),
  });
});
afterAll(() => {
  client?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("agent on DRBD 8.4 with drbd-utils 8.4", () => {
  it("reports the 8.4 syntax and /proc/drbd as the status source", async () => {
    expect(await client.call("drbd.version", {})).toEqual({
      utils: "8.4.3",
      kernel: "8.4.3",
      syntax: "8.4",
      statusSource: "proc-drbd",
    });
  });

  it("reads /proc/drbd with the resources named from the configuration", async () => {
    const status = await client.call("drbd.status", {});
    // minor 1 is r1, minor 2 (r2) is Unconfigured in the kernel, 4/6/8 are up but in no resource file.
    expect(
      status.resources.map((r) => [r.name, r.role, r.devices[0]?.disk, r.connections[0]?.connection]),
    ).toEqual([
      ["r1", "Secondary", "UpToDate", "Connected"],
      ["minor-4", "Primary", "UpToDate", "WFConnection"],
      ["minor-6", "Secondary", "Diskless", "Connected"],
      ["minor-8", "Secondary", "UpToDate", "StandAlone"],
    ]);
    const log = fs.readFileSync(calls, "utf8");
    expect(log).toContain("drbdadm sh-resources\n");
    expect(log).toContain("drbdadm sh-minor r1\n");
    expect(log).toContain("drbdadm sh-minor r2\n");
    expect(log).not.toContain("drbdsetup");
  });

  it("notices a change of /proc/drbd by polling it and notifies drbd.changed", async () => {
    await waitFor(() => changes.length > 0, 5_000, "initial drbd.changed");
    fs.writeFileSync(
      proc,
      [
        "version: 8.4.3 (api:1/proto:86-101)",
        "GIT-hash: 89a294209144b68adb3ee85a73221f964d3ee515 build by root@xen1, 2013-07-29 08:48:52",
        " 1: cs:SyncTarget ro:Secondary/Primary ds:Inconsistent/UpToDate C r-----",
        "    ns:0 nr:1024 dw:1024 dr:0 al:0 bm:1 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:3072",
        "\t[===>................] sync'ed: 25.0% (3072/4096)K",
        "\tfinish: 0:00:03 speed: 1,024 (1,024) K/sec",
        " 2: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----",
        "    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0",
        "",
      ].join("\n"),
    );
    await waitFor(
      () => changes.at(-1)?.resources.some((r) => r.name === "r2") ?? false,
      5_000,
      "drbd.changed after /proc/drbd changed",
    );
    const last = changes.at(-1)!;
    expect(last.resources.map((r) => r.name)).toEqual(["r1", "r2"]);
    expect(last.resources[0]?.connections[0]?.peerDevices[0]).toEqual({
      volume: 0,
      replication: "SyncTarget",
      peerDisk: "UpToDate",
      syncPercent: 25,
      outOfSyncKiB: 3072,
    });
  });

  it("uses 8.4 command syntax for actions", async () => {
    // The real drbdadm-84 then tries drbdsetup-84 on a machine without the module: the call fails, but the
    // argv it was given is what matters here.
    await client.call("drbd.primary", { resource: "r1", force: true }).catch(() => undefined);
    expect(fs.readFileSync(calls, "utf8")).toContain("drbdadm primary --force r1\n");
  });
});
