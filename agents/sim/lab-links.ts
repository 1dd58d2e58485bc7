/**
 * In the lab (scripts/lab.ts) each simulated host is a network namespace reached over real SSH, so a fault that
 * takes a host off the management network must take its real link down: a cut-mgmt, a power-off or a crash turns
 * the namespace's interface off (its sshd stops answering), restore-mgmt and power-on turn it on again.
 * Outside the lab (no `world.lab`) there is nothing to do: the simulated transport reads `mgmtUp` and `power`.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { applyFault, type TFault } from "./faults";
import type { WorldStore } from "./store";
import type { SimWorld } from "./world";

/**
 * iproute2's `ip`, by path: a stand-in tool that injects a fault (the simulated fence agent) runs with the
 * simulated hosts' tools first on its PATH, where `ip` is the stand-in of a simulated host.
 */
export const REAL_IP =
  ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].find((p) => fs.existsSync(p)) ?? "ip";

/** The `ip` commands that make each lab host's link match the world (up while it is on and reachable). */
export function labLinkCommands(world: SimWorld): string[][] {
  if (!world.lab) return [];
  const { namespaces, interface: dev } = world.lab;
  return Object.entries(namespaces).flatMap(([host, ns]) => {
    const h = world.hosts[host];
    if (!h) return [];
    const up = h.power === "on" && h.mgmtUp;
    return [[REAL_IP, "netns", "exec", ns, REAL_IP, "link", "set", dev, up ? "up" : "down"]];
  });
}

/** Applies labLinkCommands (as root, like the lab itself). */
export function syncLabLinks(world: SimWorld, run: (argv: string[]) => void = defaultRun): void {
  for (const argv of labLinkCommands(world)) run(argv);
}

function defaultRun([cmd, ...args]: string[]): void {
  execFileSync(cmd!, args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** Applies a fault to the stored world and, in the lab, to the hosts' real links. Throws FaultError on bad input. */
export function injectWorldFault(store: WorldStore, fault: TFault): void {
  const world = store.update((w) => {
    applyFault(w, fault);
    return w;
  });
  syncLabLinks(world);
}
