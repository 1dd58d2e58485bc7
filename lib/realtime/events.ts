import type { FarmChange } from "../farm/farm-service";
import type { JobChange } from "../runbooks/engine";
import type { Permission } from "../auth/roles";

/** Server → browser events: typed invalidations; clients refetch through GET /api/farm. */
export interface ServerToClientEvents {
  "farm:changed": (change: FarmChange) => void;
  /** A job changed (a step started or ended, the job finished): refetch GET /api/jobs/:id. */
  "job:changed": (change: JobChange) => void;
  /** An incident opened, escalated or closed: refetch GET /api/incidents. */
  "incident:changed": (change: { id: string; change: "opened" | "escalated" | "closed" }) => void;
}
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- no client → server events yet
export interface ClientToServerEvents {}

/**
 * The permission each event needs, declared next to the events: a socket joins the room of every permission its
 * principal holds (`roomOf`), and server.ts emits each event to its permission's room only. The Record type makes
 * a new event without a declared permission a compile error; tests/integration/authz-matrix.test.ts checks each
 * event against each role.
 */
export const EVENT_PERMISSIONS: Record<keyof ServerToClientEvents, Permission> = {
  "farm:changed": "farm:read",
  "job:changed": "farm:read",
  "incident:changed": "farm:read",
};

export function roomOf(permission: Permission): string {
  return `perm:${permission}`;
}
