import path from "node:path";
import { childEnv } from "../env";
import { createSimTransport } from "./sim-transport";
import type { FarmHostSpec } from "../farm/farm-service";
import type { ResourceMeta } from "../farm/view";
import {
  WorldStore,
  hostEtcDir,
  hostMountsFile,
  hostProcDrbdFile,
  hostXenConfigDir,
} from "../../agents/sim/store";
import { writeStandInTools } from "../../agents/sim/bin";
import { createMozillaGumiWorld } from "../../agents/sim/farms";
import type { SimHost } from "../../agents/sim/world";
import type { FenceDevice } from "../runbooks/fence";

export interface SimFarmOptions {
  /** The simulated world's directory ($TANDEM_DATA_DIR/sim). */
  simDir: string;
  /** agents/dist/ with tandem-agent.js and sim-tools.js (scripts/build-agent.mjs). */
  distDir: string;
  pollMs: number;
  speed?: number;
  /** DRBD generation per simulated host, for a new world ("9" unless said). */
  drbd?: Partial<Record<"xen1" | "xen2", "9" | "8.4">>;
  /** Toolstack per simulated host, for a new world (xl unless said). */
  hypervisor?: Partial<Record<"xen1" | "xen2", SimHost["hypervisor"]>>;
}

/**
 * The simulated farm: creates the world on first use (it persists in the data dir), installs the
 * stand-in tools, and describes one local agent process per simulated host, running the real agent.
 */
export function setupSimFarm(options: SimFarmOptions): {
  hosts: FarmHostSpec[];
  resources: ResourceMeta[];
  store: WorldStore;
  /** Each simulated host's fence device: the stand-in fence_ipmilan, reaching the host's simulated BMC. */
  fences: Record<string, FenceDevice>;
} {
  const store = new WorldStore(options.simDir);
  store.init(() =>
    createMozillaGumiWorld({
      ...(options.speed === undefined ? {} : { speed: options.speed }),
      ...(options.drbd === undefined ? {} : { drbd: options.drbd }),
      ...(options.hypervisor === undefined ? {} : { hypervisor: options.hypervisor }),
    }),
  );
  if (options.speed !== undefined && store.read().speed !== options.speed) store.setSpeed(options.speed);
  const bin = writeStandInTools(options.simDir, path.join(options.distDir, "sim-tools.js"));
  const world = store.read();
  const hosts = Object.values(world.hosts).map((host) => ({
    name: host.name,
    address: "simulated",
    transport: createSimTransport(store, host.name, {
      description: `simulated host ${host.name}`,
      argv: [
        process.execPath,
        path.join(options.distDir, "tandem-agent.js"),
        "serve",
        "--simulated",
        "--hypervisor",
        host.hypervisor,
        "--xen-config-dir",
        hostXenConfigDir(options.simDir, host.name),
        "--drbd-config-dir",
        path.join(hostEtcDir(options.simDir, host.name), "drbd.d"),
        "--mounts-file",
        hostMountsFile(options.simDir, host.name),
        "--proc-drbd",
        hostProcDrbdFile(options.simDir, host.name),
        "--poll-ms",
        String(options.pollMs),
      ],
      env: childEnv({
        PATH: `${bin}${path.delimiter}${childEnv({}).PATH ?? ""}`,
        TANDEM_SIM_WORLD: options.simDir,
        TANDEM_SIM_HOST: host.name,
      }),
    }),
  }));
  const resources = Object.values(world.resources).map((r) => ({ name: r.name, mountPoint: r.mountPoint }));
  const fences = Object.fromEntries(
    Object.values(world.hosts).map((host) => [
      host.name,
      {
        command: simFenceCommand(host.name),
        timeoutSec: 60,
        env: childEnv({
          PATH: `${bin}${path.delimiter}${childEnv({}).PATH ?? ""}`,
          TANDEM_SIM_WORLD: options.simDir,
        }),
      },
    ]),
  );
  return { hosts, resources, store, fences };
}

/** The fence command of a simulated host, as it would read on a real farm with IPMI controllers. */
export function simFenceCommand(host: string): string[] {
  return [
    "fence_ipmilan",
    "--lanplus",
    `--ip=${host}-bmc`,
    "--username=tandem",
    "--password-script=/etc/tandem/bmc-password",
  ];
}
