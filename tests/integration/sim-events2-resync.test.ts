/**
 * `drbdsetup events2` on the simulated farm reports the end of a resync that nothing else wrote about: a resync
 * moves with simulated time alone, so its end is not a write of the world (a stream that only looked at writes
 * left the panel showing "Inconsistent, 94 %" forever in the lab).
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTempSimFarm, waitFor, type TempSimFarm } from "../helpers/sim";

let farm: TempSimFarm;
beforeAll(() => {
  farm = createTempSimFarm();
});
afterAll(() => farm.remove());

it("prints the SyncTarget side becoming UpToDate with no write of the world after the resync started", async () => {
  const events = spawn(path.join(farm.bin, "drbdsetup"), ["events2", "--statistics", "all"], {
    env: farm.agentEnv("xen2"),
  });
  let streamed = "";
  events.stdout.on("data", (b: Buffer) => (streamed += b.toString()));
  try {
    await waitFor(() => streamed.includes("exists -"), 5_000, "the events2 dump");
    farm.onHost("xen2", "drbdadm", "invalidate", "r4");
    // r4 (512 GiB) resyncs in about 2 real seconds; nothing writes the world after this line.
    farm.store.update((w) => void (w.resources["r4"]!.resync!.rateKiBps = 256 * 1024 * 1024));
    await waitFor(
      () => /change peer-device name:r4 .*replication:SyncTarget/.test(streamed),
      5_000,
      "SyncTarget",
    );
    const mtime = (await import("node:fs")).statSync(farm.store.file).mtimeMs;
    await waitFor(
      () => /change device name:r4 volume:0 .*disk:UpToDate/.test(streamed),
      10_000,
      "r4 UpToDate on xen2 in the stream",
    );
    expect((await import("node:fs")).statSync(farm.store.file).mtimeMs).toBe(mtime);
  } finally {
    events.kill();
  }
});
