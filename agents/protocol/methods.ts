import { z } from "zod";
import { ZDrbdStatus, ZHello, ZHostFacts, ZVmList } from "./schemas";

export const PROTOCOL_VERSION = 1;

/** One agent method: declared once, imported by agent and panel alike. */
export interface MethodDef<P extends z.ZodType, R extends z.ZodType> {
  name: string;
  params: P;
  result: R;
  /** Deadline for one call, in ms, enforced by the panel's client. */
  timeoutMs: number;
  /** True when the method changes host state (never retried blindly). */
  mutates: boolean;
  description: string;
}

function defineMethod<P extends z.ZodType, R extends z.ZodType>(def: MethodDef<P, R>): MethodDef<P, R> {
  return def;
}

const ZNoParams = z.object({}).strict();

// Timeouts: URGENT 5 s (cheap reads); NORMAL 15 s (reads that run several tools).
const TMO_URGENT = 5_000;
const TMO_NORMAL = 15_000;

export const METHODS = {
  "agent.hello": defineMethod({
    name: "agent.hello",
    params: z.object({ protocolVersion: z.number().int() }).strict(),
    result: ZHello,
    timeoutMs: TMO_URGENT,
    mutates: false,
    description: "Handshake: agent version, protocol version and capabilities.",
  }),
  "host.facts": defineMethod({
    name: "host.facts",
    params: ZNoParams,
    result: ZHostFacts,
    timeoutMs: TMO_NORMAL,
    mutates: false,
    description: "Hostname, hypervisor kind, memory total/free in KiB, cpus, tool versions.",
  }),
  "drbd.status": defineMethod({
    name: "drbd.status",
    params: ZNoParams,
    result: ZDrbdStatus,
    timeoutMs: TMO_NORMAL,
    mutates: false,
    description: "Every DRBD resource on the host: role, disks, connections, replication and sync progress.",
  }),
  "vm.list": defineMethod({
    name: "vm.list",
    params: ZNoParams,
    result: ZVmList,
    timeoutMs: TMO_NORMAL,
    mutates: false,
    description: "Every VM the hypervisor knows (running or defined), with state and memory.",
  }),
} as const;

export type MethodName = keyof typeof METHODS;
export type ParamsOf<M extends MethodName> = z.input<(typeof METHODS)[M]["params"]>;
export type ResultOf<M extends MethodName> = z.output<(typeof METHODS)[M]["result"]>;

export const NOTIFICATIONS = {
  /** Pushed when any DRBD resource changed; carries the full new status (small: a handful of resources). */
  "drbd.changed": ZDrbdStatus,
  /** Pushed when any VM changed state or memory; carries the full new list. */
  "vm.changed": ZVmList,
} as const;
export type NotificationName = keyof typeof NOTIFICATIONS;
export type NotificationParams<N extends NotificationName> = z.output<(typeof NOTIFICATIONS)[N]>;

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(METHODS, name);
}
export function isNotificationName(name: string): name is NotificationName {
  return Object.prototype.hasOwnProperty.call(NOTIFICATIONS, name);
}
