/** The stand-in tools as processes: output read by the real parsers, real exit codes and messages. */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseXlInfo } from "../../agents/drivers/xen/parse-xl-info";
import { parseXlList } from "../../agents/drivers/xen/parse-xl-list";
import { parseXlListLong } from "../../agents/drivers/xen/parse-xl-list-long";
import { parseDrbdadmVersion } from "../../agents/drivers/drbd/parse-drbdadm-version";
import { createTempSimFarm, DIST, type TempSimFarm } from "../helpers/sim";

let farm: TempSimFarm;
beforeAll(() => {
  farm = createTempSimFarm();
});
afterAll(() => farm.remove());

function run(host: string, ...argv: string[]) {
  return spawnSync(path.join(farm.bin, argv[0]!), argv.slice(1), {
    env: farm.agentEnv(host),
    encoding: "utf8",
  });
}

describe("stand-in tools", () => {
  it("xl list prints xl's table with Domain-0 first, which parseXlList reads", () => {
    const out = farm.onHost("xen2", "xl", "list");
    expect(out.split("\n")[0]).toBe(
      "Name                                        ID   Mem VCPUs      State   Time(s)",
    );
    const doms = parseXlList(out);
    expect(doms.map((d) => `${d.name}:${d.memoryMiB}:${d.state}`)).toEqual([
      "Domain-0:1024:running",
      "lvs2:512:running",
      "admin2:1024:running",
      "web1:2048:running",
      "web-ssl2:1024:running",
      "mail2:1024:running",
      "ftp1:512:running",
    ]);
  });

  it("xl list -l and xl info are read by their parsers", () => {
    const long = parseXlListLong(farm.onHost("xen1", "xl", "list", "-l"));
    expect(long.find((d) => d.name === "db1")).toMatchObject({
      maxMemKiB: 1024 * 1024,
      targetMemKiB: 1024 * 1024,
    });
    const info = parseXlInfo(farm.onHost("xen1", "xl", "info"));
    expect(info).toMatchObject({
      host: "xen1",
      totalMemoryMiB: 8192,
      freeMemoryMiB: 1024,
      nrCpus: 4,
      xenVersion: "4.17.3",
    });
    expect(parseDrbdadmVersion(farm.onHost("xen1", "drbdadm", "--version"))).toMatchObject({
      utilsVersion: "9.22.0",
      kernelVersion: "9.2.8",
    });
  });

  it("refuses as the real tools do: unknown resource (exit 10), unknown domain, resync without a connection", () => {
    // The real drbdadm (drbd-utils) reads the host's resource files and answers for an unknown resource.
    const unknownRes = run("xen1", "drbdadm", "disconnect", "r9");
    expect(unknownRes.status).toBe(1);
    expect(unknownRes.stderr).toBe("'r9' not defined in your config (for this host).\n");
    const unknownDom = run("xen1", "xl", "destroy", "web1"); // web1 runs on xen2, not here
    expect(unknownDom.status).toBe(1);
    expect(unknownDom.stderr).toContain("Invalid domain identifier: web1");
    farm.onHost("xen1", "drbdadm", "disconnect", "r4");
    // drbdsetup refuses; drbdadm invalidate runs it silently and, for exit 11, says nothing (drbdadm_main.c).
    const refused = run("xen1", "drbdsetup", "invalidate", "4");
    expect(refused.status).toBe(11);
    expect(refused.stderr).toBe(
      "4: State change failed: (-15) Need a connection to start verify or resync\n",
    );
    const invalidate = run("xen1", "drbdadm", "invalidate", "r4");
    expect(invalidate.status).toBe(11);
    expect(invalidate.stderr).toBe("");
    farm.onHost("xen2", "drbdadm", "connect", "r4"); // xen2 was left Connecting; xen1 is StandAlone
    farm.onHost("xen1", "drbdadm", "connect", "r4");
    expect(farm.onHost("xen2", "drbdsetup", "events2", "--now", "r4")).toContain("connection:Connected");
  });

  it("refuses to run without a simulated host", () => {
    const r = spawnSync(process.execPath, [path.join(DIST, "sim-tools.js"), "xl", "list"], {
      env: { ...process.env, TANDEM_SIM_WORLD: "", TANDEM_SIM_HOST: "" },
      encoding: "utf8",
    });
    expect(r.status).toBe(2);
  });
});
