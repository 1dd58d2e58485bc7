/**
 * Stand-in `fence_ipmilan`: a simulated host's management controller (BMC), reached by the panel's fence
 * command. It takes fence-agents' options (`--ip`/`-a`, `--action`/`-o`; login options are accepted and
 * ignored) and answers as fence-agents do: `off` prints "Success: Powered OFF" and exits 0; `status` prints
 * "Status: ON" (exit 0) or "Status: OFF" (exit 2); a BMC that does not answer (unknown address, a cut-bmc fault)
 * is "Failed: Unable to connect/login to fencing device", exit 1. The BMC of simulated host X is `X-bmc`.
 */
import type { WorldStore } from "../store";
import { injectWorldFault } from "../lab-links";
import { ToolExit } from "./context";

/** Options that take a value, as fence-agents spell them (long form with `=`, short form with the next word). */
const VALUE_OPTIONS: Record<string, string> = {
  "-a": "ip",
  "--ip": "ip",
  "-o": "action",
  "--action": "action",
  "-l": "username",
  "--username": "username",
  "-p": "password",
  "--password": "password",
  "-S": "password-script",
  "--password-script": "password-script",
  "-u": "ipport",
  "--ipport": "ipport",
  "-L": "privlvl",
  "--privlvl": "privlvl",
  "--delay": "delay",
  "--power-timeout": "power-timeout",
};
const FLAG_OPTIONS = new Set(["-P", "--lanplus", "-v", "--verbose"]);

export function parseFenceArgs(args: string[]): Record<string, string> {
  const opts: Record<string, string> = { action: "reboot" }; // fence-agents' default action
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (FLAG_OPTIONS.has(arg)) continue;
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const key = VALUE_OPTIONS[name];
    if (!key) throw new ToolExit(1, `Failed: Unrecognised option '${arg}'\n`);
    const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new ToolExit(1, `Failed: option '${name}' requires a value\n`);
    opts[key] = value;
  }
  return opts;
}

export async function fenceIpmilan(
  args: string[],
  store: WorldStore,
  out: (text: string) => void,
): Promise<number> {
  const opts = parseFenceArgs(args);
  if (!opts.ip) throw new ToolExit(1, "Failed: You have to enter fence address\n");
  const hostName = opts.ip.endsWith("-bmc") ? opts.ip.slice(0, -"-bmc".length) : "";
  const host = store.read().hosts[hostName];
  if (!host || host.bmcUp === false)
    throw new ToolExit(1, "Failed: Unable to connect/login to fencing device\n");
  // A host stopped at a kernel panic is still powered: only its power button (here: off) makes it safe.
  const poweredOn = host.power === "on" || host.panicked === true;
  switch (opts.action) {
    case "status":
      out(`Status: ${poweredOn ? "ON" : "OFF"}\n`);
      return poweredOn ? 0 : 2;
    case "off":
      if (poweredOn) injectWorldFault(store, { action: "power-off", host: hostName });
      out("Success: Powered OFF\n");
      return 0;
    case "on":
      if (!poweredOn) injectWorldFault(store, { action: "power-on", host: hostName });
      out("Success: Powered ON\n");
      return 0;
    case "reboot":
      injectWorldFault(store, { action: "power-off", host: hostName });
      injectWorldFault(store, { action: "power-on", host: hostName });
      out("Success: Rebooted\n");
      return 0;
    case "monitor":
      return 0;
    default:
      throw new ToolExit(1, `Failed: Unrecognised action '${opts.action}'\n`);
  }
}
