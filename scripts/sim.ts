// Acts on the simulated farm as an administrator on a host would:
//   npm run sim -- <host> <drbdadm|drbdsetup|xl> [args...]   e.g. npm run sim -- xen1 drbdadm disconnect r1
//   npm run sim -- speed <factor>                              simulated seconds per real second
//   npm run sim -- fault <action> [key=value ...]              e.g. npm run sim -- fault power-off host=xen2
// The world is $TANDEM_DATA_DIR/sim (default ./data/sim), or the one named first with `--world DIR` (the lab's:
// npm run sim -- --world .tmp/lab/sim fault cut-mgmt host=xen1, which really takes xen1's link down); the panel
// sees every change live.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { getEnv } from "../lib/env";
import { WorldStore } from "../agents/sim/store";
import { STAND_IN_TOOLS } from "../agents/sim/bin";
import { FaultError, ZFault } from "../agents/sim/faults";
import { injectWorldFault } from "../agents/sim/lab-links";

const argv = process.argv.slice(2);
const simDir = argv[0] === "--world" ? path.resolve(argv[1] ?? "") : path.join(getEnv().dataDir, "sim");
const [first, tool, ...args] = argv[0] === "--world" ? argv.slice(2) : argv;
const store = new WorldStore(simDir);
if (!store.exists()) {
  console.error(`no simulated world in ${simDir}: start the panel once (npm start) to create it`);
  process.exit(2);
}
if (first === "speed") {
  const speed = Number(tool);
  if (!(speed > 0 && speed <= 10_000)) {
    console.error("speed: must be a number above 0 and at most 10000");
    process.exit(2);
  }
  store.setSpeed(speed);
  process.exit(0);
}
if (first === "fault") {
  // The same faults as POST /api/sim/faults, from the command line: numbers for delayMs and kiBps.
  const fields = Object.fromEntries(
    args.map((kv) => {
      const [k = "", ...v] = kv.split("=");
      const value = v.join("=");
      return [k, ["delayMs", "kiBps", "rebootAfterSec"].includes(k) ? Number(value) : value];
    }),
  );
  const fault = ZFault.safeParse({ action: tool, ...fields });
  if (!fault.success) {
    const issue = fault.error.issues[0];
    console.error(`fault: ${issue?.path.join(".") || "fault"}: ${issue?.message ?? "invalid"}`);
    process.exit(2);
  }
  try {
    injectWorldFault(store, fault.data);
  } catch (err) {
    if (!(err instanceof FaultError)) throw err;
    console.error(`fault: ${err.field}: ${err.rule}`);
    process.exit(2);
  }
  process.exit(0);
}
const world = store.read();
if (
  first === undefined ||
  !world.hosts[first] ||
  !STAND_IN_TOOLS.includes(tool as (typeof STAND_IN_TOOLS)[number])
) {
  console.error(
    `usage: npm run sim -- <${Object.keys(world.hosts).join("|")}> <${STAND_IN_TOOLS.join("|")}> [args...] | speed <factor> | fault <action> [key=value ...]`,
  );
  process.exit(2);
}
const bundle = path.resolve(import.meta.dirname, "..", "agents", "dist", "sim-tools.js");
const result = spawnSync(process.execPath, [bundle, tool!, ...args], {
  stdio: "inherit",
  env: { ...process.env, TANDEM_SIM_WORLD: simDir, TANDEM_SIM_HOST: first },
});
process.exit(result.status ?? 1);
