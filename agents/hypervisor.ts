import fs from "node:fs";
import path from "node:path";
import type { THypervisorKind, TVmInfo } from "./protocol/schemas";
import type { TVmDefinition } from "./drivers/vm/definition";
import { AppError } from "./protocol/errors";
import { createLibvirtHypervisor } from "./drivers/libvirt/libvirt-hypervisor";
import { createXlHypervisor } from "./drivers/xen/xl-hypervisor";
import { createXmHypervisor } from "./drivers/xen/xm-hypervisor";

export interface HypervisorHostInfo {
  hostname: string;
  totalKiB: number;
  freeKiB: number;
  dom0KiB?: number;
  cpus: number;
  versions: Record<string, string>;
}

/** One interface for every hypervisor flavour; the agent picks one by kind. */
export interface Hypervisor {
  readonly kind: THypervisorKind;
  hostInfo(): Promise<HypervisorHostInfo>;
  /** Every VM the host knows: running domains and defined (configured) ones that are shut off. */
  listVms(): Promise<TVmInfo[]>;
  /** Starts a defined VM, with `memoryMiB` instead of its configured memory when given (a degraded start). */
  start(name: string, options?: { memoryMiB?: number }): Promise<void>;
  /** Asks the VM's OS to shut down (returns when the request is made, not when the VM is off). */
  shutdown(name: string): Promise<void>;
  /** Stops the VM at once. */
  destroy(name: string): Promise<void>;
  /** Balloons a running VM to `mib`. */
  setMemory(name: string, mib: number): Promise<void>;
  /** Sets the VM's maximum memory. */
  setMaxMemory(name: string, mib: number): Promise<void>;
  /**
   * Defines a VM from the farm's template (config file or domain XML); CONFLICT when a VM of that name is
   * already defined here. Returns the file written (null for libvirt, which keeps its own) and its content.
   */
  define(definition: TVmDefinition): Promise<{ path: string | null; config: string }>;
  /** Removes a VM's definition; CONFLICT while it runs here, NOT_FOUND when it is not defined here. */
  undefine(name: string): Promise<void>;
}

export interface HypervisorOptions {
  /** Directories holding xl/xm domain config files (`*.cfg`), for VMs that are not running. */
  xenConfigDirs: string[];
  /**
   * Runs an argv and returns its stdout, throwing COMMAND_FAILED/COMMAND_TIMEOUT with the evidence
   * (default: agents/exec.ts runChecked); tests pass recorded outputs.
   */
  run?: (argv: readonly string[]) => Promise<string>;
}

export const HYPERVISORS: Partial<Record<THypervisorKind, (options: HypervisorOptions) => Hypervisor>> = {
  "xen-xl": createXlHypervisor,
  "xen-xm": createXmHypervisor,
  libvirt: createLibvirtHypervisor,
};

/** The tool whose presence on PATH identifies each hypervisor flavour, in order of preference. */
const DETECT: Array<[THypervisorKind, string]> = [
  ["xen-xl", "xl"],
  ["xen-xm", "xm"],
  ["libvirt", "virsh"],
];

export function detectHypervisor(pathEnv: string = process.env.PATH ?? ""): THypervisorKind {
  for (const [kind, tool] of DETECT) {
    for (const dir of pathEnv.split(path.delimiter)) {
      if (!dir) continue;
      try {
        fs.accessSync(path.join(dir, tool), fs.constants.X_OK);
        return kind;
      } catch {
        // not here
      }
    }
  }
  throw new AppError("NOT_FOUND", "no hypervisor tool (xl, xm or virsh) found on PATH", {
    userMessage: "No hypervisor found on the host.",
  });
}

export function createHypervisor(kind: THypervisorKind, options: HypervisorOptions): Hypervisor {
  const factory = HYPERVISORS[kind];
  if (!factory) throw new AppError("NOT_FOUND", `hypervisor ${kind} is not supported by this agent yet`);
  return factory(options);
}
