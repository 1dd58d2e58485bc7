/**
 * Roles and what each may do. Every REST route and socket.io event names one permission next to its handler
 * (lib/api/route.ts, lib/realtime/events.ts); this table is the only place that says which role holds it.
 */
export const ROLES = ["viewer", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export const PERMISSIONS = {
  /** The farm, jobs, incidents, history: everything a person sees. */
  "farm:read": "viewer",
  /** One's own API tokens and sessions, two-factor set-up. */
  "self:manage": "viewer",
  /** Failover, switchover, failback, cancelling a job, VM policies, split-brain recovery. */
  "runbook:run": "operator",
  /** Placing a VM on a resource, removing a VM's definition. */
  "vm:define": "operator",
  /** Faults on the simulated farm (the simulated farm only). */
  "sim:fault": "operator",
  /** The DRBD wizard's apply, resource deletion, undoing a resource's creation. */
  "resource:create": "admin",
  /** A promotion the panel's safety rules would refuse (force). */
  "runbook:force": "admin",
  /** Installing or upgrading a host's agent, adding hosts, pinning host keys. */
  "agent:install": "admin",
  /** Reading settings that may hold secrets (a webhook URL is often one). */
  "settings:read": "admin",
  /** Notification and retention settings, the two-factor requirement. */
  "settings:write": "admin",
  /** Accounts, roles, other people's sessions. */
  "users:manage": "admin",
  /** The audit trail. */
  "audit:read": "admin",
} as const satisfies Record<string, Role>;
export type Permission = keyof typeof PERMISSIONS;

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** Whether `role` holds `permission`. */
export function allows(role: Role, permission: Permission): boolean {
  return RANK[role] >= RANK[PERMISSIONS[permission]];
}

/** What a person owing their two-factor set-up may still do: look, and set it up. */
const WHILE_ENROLLING: ReadonlySet<Permission> = new Set<Permission>(["farm:read", "self:manage"]);

/**
 * The one rule for what someone may do: their role's permissions, narrowed while they owe two-factor. The server
 * (lib/api/route.ts, the socket rooms in lib/auth/gate.ts) and the pages (components/user-menu.tsx `Can`) both ask it.
 */
export function permits(who: { role: Role; mustEnroll: boolean }, permission: Permission): boolean {
  return allows(who.role, permission) && (!who.mustEnroll || WHILE_ENROLLING.has(permission));
}

/** Whether `role` is at most `limit` (a token's role is never above its creator's). */
export function roleAtMost(role: Role, limit: Role): boolean {
  return RANK[role] <= RANK[limit];
}

/** Roles that can change the farm: the ones "require two-factor" applies to. */
export function canChangeState(role: Role): boolean {
  return RANK[role] >= RANK.operator;
}
