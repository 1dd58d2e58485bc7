/**
 * Incidents and timeline events (issue 7): the kinds, severities and shapes shared by the detector, the store, the
 * API and the pages.
 */
export const INCIDENT_KINDS = [
  "host-down",
  "host-unreachable",
  "mgmt-unreachable",
  "host-hung",
  "host-key-changed",
  "drbd-disconnected",
  "split-brain",
  "disk-failed",
  "resync",
  "vm-crashed",
  "memory-pressure",
  "failover",
  "switchover",
  "failback",
] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/** Most severe first. */
export const SEVERITIES = ["critical", "major", "warning", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const EVENT_SOURCES = ["connectivity", "drbd", "hypervisor", "memory", "operator", "panel"] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];

/**
 * A condition the detector sees on the farm now. One open incident per `key`: a condition that keeps its key but
 * changes kind (host-unreachable → host-down, drbd-disconnected → split-brain) escalates the same incident.
 */
export interface Condition {
  key: string;
  kind: IncidentKind;
  severity: Severity;
  host?: string;
  resource?: string;
  vm?: string;
  summary: string;
  /** Evidence kept with the incident when it opens (JSON-serializable). */
  detail?: unknown;
}

/** One thing that happened, as the panel received it. */
export interface FarmEventInput {
  source: EventSource;
  kind: string;
  host?: string;
  resource?: string;
  vm?: string;
  message: string;
  data?: unknown;
}

/** The incident as `GET /api/incidents` returns it. */
export interface IncidentView {
  id: string;
  kind: string;
  severity: string;
  host: string | null;
  resource: string | null;
  vm: string | null;
  jobId: string | null;
  openedAt: string;
  closedAt: string | null;
  summary: string;
}

export interface TimelineEntry {
  seq: number;
  at: string;
  source: string;
  kind: string;
  host: string | null;
  resource: string | null;
  vm: string | null;
  message: string;
}

export interface IncidentDetail extends IncidentView {
  detail: unknown;
  timeline: TimelineEntry[];
}

/** The monitor's timing (`monitoring` in tandem.config.json; TANDEM_DEAD_TIME_MS for the simulated farm). */
export interface MonitorSettings {
  /** A host silent this long, with no sign of life from its peer either, is down (heartbeat's deadtime). */
  deadTimeMs: number;
  /** A session open but silent, or a probe running, this long: the host answers but hangs. */
  hungAfterMs: number;
  /** A session down for less than this is not reported yet (reconnects, the panel's own start). */
  graceMs: number;
}

export const DEFAULT_MONITOR_SETTINGS: MonitorSettings = {
  deadTimeMs: 15_000,
  hungAfterMs: 10_000,
  graceMs: 3_000,
};
