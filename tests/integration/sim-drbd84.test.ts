/**
 * A mixed farm: xen1 runs DRBD 9, xen2 DRBD 8.4 with its own utils. On xen2 the agent reads /proc/drbd (named
 * through the real drbdadm-84's sh-resources/sh-minor) and drives the real drbdadm-84, whose drbdsetup calls
 * the stand-in answers in 8.4 syntax.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentClient } from "../../lib/agent-client/client";
import { createTempSimFarm, refusalOf, startSimAgents, waitFor, type TempSimFarm } from "../helpers/sim";

let farm: TempSimFarm;
let clients: Record<string, AgentClient> = {};

beforeAll(async () => {
  farm = createTempSimFarm({ drbd: { xen2: "8.4" } });
  clients = await startSimAgents(farm);
});
afterAll(() => {
  for (const c of Object.values(clients)) c.stop();
  farm?.remove();
});

const summary = async (host: string) =>
  (await clients[host]!.call("drbd.status", {})).resources.map(
    (r) =>
      `${r.name} ${r.role} ${r.devices[0]?.disk} ${r.connections[0]?.connection} ${r.connections[0]?.peerRole}`,
  );

describe("a DRBD 8.4 host beside a DRBD 9 host", () => {
  it("reports its versions and reads /proc/drbd", async () => {
    expect(await clients["xen2"]!.call("drbd.version", {})).toEqual({
      utils: "8.4.11",
      kernel: "8.4.11",
      syntax: "8.4",
      statusSource: "proc-drbd",
    });
    expect((await clients["xen1"]!.call("drbd.version", {})).statusSource).toBe("events2");
  });

  it("shows the same pairs from both sides, each read in its own format", async () => {
    expect(await summary("xen2")).toEqual([
      "r1 Secondary UpToDate Connected Primary",
      "r2 Primary UpToDate Connected Secondary",
      "r3 Secondary UpToDate Connected Primary",
      "r4 Secondary UpToDate Connected Secondary",
    ]);
    expect(await summary("xen1")).toEqual([
      "r1 Primary UpToDate Connected Secondary",
      "r2 Secondary UpToDate Connected Primary",
      "r3 Primary UpToDate Connected Secondary",
      "r4 Secondary UpToDate Connected Secondary",
    ]);
  });

  it("refuses as DRBD 8.4 does (the minor named), and the agent still reads the code", async () => {
    const err = await refusalOf(clients["xen2"]!.call("drbd.primary", { resource: "r1" }));
    expect(err.code).toBe("DRBD_MULTIPLE_PRIMARIES");
    expect(err.details.stderr).toMatch(
      /^1: State change failed: \(-1\) Multiple primaries not allowed by config\n/,
    );
  });

  it("a disconnect in 8.4 syntax (by addresses) shows as WFConnection on xen2 and Connecting on xen1", async () => {
    await clients["xen2"]!.call("drbd.disconnect", { resource: "r4" });
    expect((await summary("xen2"))[3]).toBe("r4 Secondary UpToDate StandAlone Unknown");
    await waitFor(
      async () => (await summary("xen1"))[3] === "r4 Secondary UpToDate Connecting Unknown",
      5_000,
      "xen1 sees it",
    );
    await clients["xen2"]!.call("drbd.connect", { resource: "r4" });
    expect((await summary("xen2"))[3]).toBe("r4 Secondary UpToDate Connected Secondary");
  });
});
