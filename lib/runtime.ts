import type { FarmService } from "./farm/farm-service";
import type { RunbookEngine } from "./runbooks/engine";
import type { Monitor } from "./monitor/monitor";
import type { Notifier } from "./monitor/notify";
import type { Db } from "./db";
import type { ResourceMeta } from "./farm/view";
import type { WorldStore } from "../agents/sim/store";
import type { AuthService } from "./auth/service";
import type { AuditLog } from "./audit/log";
import type { OnboardingService } from "./hosts/service";
import type { SecretBox } from "./auth/secret-box";
import type { FarmSource } from "./hosts/farm-source";

/**
 * The process-wide services, created once by server.ts. Next bundles route handlers separately from
 * server.ts, so module-level singletons are not shared between them; globalThis is (docs/adr/0003).
 */
export interface Runtime {
  farm: FarmService;
  runbooks: RunbookEngine;
  /** Host health and incidents (its store is `runbooks.incidents`). */
  monitor?: Monitor;
  /** Incident notifications (webhook, e-mail). */
  notifier?: Notifier;
  db: Db;
  /** Accounts, sessions, tokens (lib/auth). */
  auth: AuthService;
  /** The hash-chained audit trail (lib/audit). */
  audit: AuditLog;
  /** Seals and opens secrets at rest with the key kept outside the database (lib/auth/secret-box.ts). */
  secrets: SecretBox;
  /** Host onboarding: scan, pin, key pair, connection test (lib/hosts). */
  onboarding: OnboardingService;
  /** Where the farm comes from: the simulator, tandem.config.json or two onboarded hosts (read once at start). */
  farmSource: FarmSource;
  /** Ends this process so that `npm start` starts the panel again (absent when nothing would restart it). */
  restart?: (reason: string) => void;
  /** The farm's resources and their mount points (the same list the farm service and the engine hold). */
  resources: ResourceMeta[];
  /** The simulated world, when the panel runs the simulated farm (absent for a real farm). */
  sim?: { store: WorldStore };
}

const KEY = Symbol.for("tandem.runtime");
type Holder = { [KEY]?: Runtime };

export function setRuntime(runtime: Runtime): void {
  (globalThis as Holder)[KEY] = runtime;
}

export function getRuntime(): Runtime | undefined {
  return (globalThis as Holder)[KEY];
}
