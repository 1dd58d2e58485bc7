import type { FarmChange } from "../farm/farm-service";
import type { JobChange } from "../runbooks/engine";

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

/** Every browser joins this room; per-host and per-VM rooms come with the detail pages. */
export const FARM_ROOM = "farm";
