/**
 * Every agent call answers with the commands it ran (argv, exit code, duration, output excerpt), on success and on
 * failure: the evidence the runbooks' job journal keeps.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentClient } from "../../lib/agent-client/client";
import type { TCommandRecord } from "../../agents/protocol/schemas";
import { createTempSimFarm, refusalOf, startSimAgents, type TempSimFarm } from "../helpers/sim";

let farm: TempSimFarm;
let clients: Record<string, AgentClient> = {};

beforeAll(async () => {
  farm = createTempSimFarm();
  clients = await startSimAgents(farm);
});
afterAll(() => {
  for (const c of Object.values(clients)) c.stop();
  farm?.remove();
});

describe("the command log of an agent call", () => {
  it("lists the commands a successful call ran, with their exit codes and durations", async () => {
    const { result, commands } = await clients["xen1"]!.callLogged("vm.setMemory", {
      name: "db1",
      memoryMiB: 768,
    });
    expect(result).toEqual({ ok: true });
    expect(commands).toHaveLength(1);
    expect(commands[0]).toMatchObject({
      argv: ["xl", "mem-set", "db1", "768m"],
      exitCode: 0,
      timedOut: false,
    });
    expect(commands[0]!.durationMs).toBeGreaterThan(0);
  });

  it("keeps the commands of a refused call in the error's details, the failing one last", async () => {
    const err = await refusalOf(
      clients["xen1"]!.callLogged("drbd.primary", { resource: "r2", force: false }),
    );
    expect(err.code).toBe("DRBD_MULTIPLE_PRIMARIES");
    const commands = err.details.commands as TCommandRecord[];
    const last = commands.at(-1)!;
    expect(last.argv.slice(-2)).toEqual(["primary", "r2"]);
    expect(last.exitCode).toBe(11);
    expect(last.output).toContain("Multiple primaries not allowed by config");
  });

  it("a read logs its command too; the agent's own pollers, outside any call, are not in it", async () => {
    const { commands } = await clients["xen1"]!.callLogged("drbd.status", {});
    expect(commands.map((c) => c.argv)).toEqual([["drbdsetup", "events2", "--now", "--statistics", "all"]]);
  });
});
