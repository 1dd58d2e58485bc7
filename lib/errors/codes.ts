/**
 * The one closed registry of error codes, shared by agent, server and UI.
 * Add codes only in a reviewed change; never reuse a retired code.
 */
export const ERROR_CODES = {
  /** The host did not answer on the network (connect refused, timed out, DNS, connection lost). */
  HOST_UNREACHABLE: { http: 503, userMessage: "The host cannot be reached." },
  /** The host presented a key that is not pinned in Tandem's configuration. */
  HOST_KEY_UNKNOWN: { http: 502, userMessage: "The host's SSH key is not pinned; it was refused." },
  /** The host presented a key different from the pinned one (possible man-in-the-middle). */
  HOST_KEY_CHANGED: {
    http: 502,
    userMessage: "The host's SSH key does not match the pinned key; it was refused.",
  },
  /** SSH authentication was rejected by the host. */
  AUTH_FAILED: { http: 502, userMessage: "The host rejected Tandem's SSH credentials." },
  /** The agent could not be started on the host (not installed, not executable). */
  AGENT_MISSING: { http: 502, userMessage: "The Tandem agent is not installed on the host." },
  /** The agent speaks a protocol version this panel does not support. */
  AGENT_VERSION_MISMATCH: {
    http: 502,
    userMessage: "The host's agent speaks an incompatible protocol version.",
  },
  /** A command on the host exited non-zero. */
  COMMAND_FAILED: { http: 502, userMessage: "A command on the host failed." },
  /** A command or agent call did not finish before its deadline. */
  COMMAND_TIMEOUT: { http: 504, userMessage: "The host did not answer in time." },
  /** A tool printed output the agent cannot read; nothing was assumed. */
  PARSE_ERROR: { http: 502, userMessage: "A tool's output could not be read." },
  /** A tool the method needs is not installed on the host (exit 127 / ENOENT). */
  TOOL_MISSING: { http: 502, userMessage: "A tool Tandem needs is not installed on the host." },
  /** DRBD refused to promote: no access to UpToDate data ("(-2) Need access to UpToDate data"). */
  DRBD_NEED_UPTODATE: {
    http: 409,
    userMessage: "DRBD refused: this side has no up-to-date data. Promoting it could lose data.",
  },
  /** DRBD refused a second Primary ("(-1) Multiple primaries not allowed by config"). */
  DRBD_MULTIPLE_PRIMARIES: { http: 409, userMessage: "DRBD refused: the peer is already Primary." },
  /** DRBD refused to demote or go down while the device is in use ("(-12) Device is held open by someone"). */
  DRBD_HELD_OPEN: {
    http: 409,
    userMessage: "DRBD refused: the device is in use (mounted or used by a running VM).",
  },
  /** Any other refused DRBD state change ("State change failed: (-N) ..."). */
  DRBD_STATE_CHANGE_FAILED: { http: 409, userMessage: "DRBD refused the state change." },
  /** drbdadm could not parse or accept a resource configuration. */
  DRBD_CONFIG_INVALID: { http: 400, userMessage: "The DRBD configuration is not valid." },
  /** A host's fence device did not confirm that the host is powered off (failed, timed out, did not answer). */
  FENCE_FAILED: {
    http: 502,
    userMessage: "The fence device did not confirm that the host is powered off.",
  },
  /** The host has not enough free memory for the VM (start or memory change). */
  VM_NOT_ENOUGH_MEMORY: { http: 409, userMessage: "The host has not enough free memory for this VM." },
  /** Input failed validation; `field` and `rule` name what is wrong. */
  VALIDATION_FAILED: { http: 400, userMessage: "The request is not valid." },
  /** The named object does not exist. */
  NOT_FOUND: { http: 404, userMessage: "Not found." },
  /** Another operation holds the object, or the state does not allow the request. */
  CONFLICT: { http: 409, userMessage: "The request conflicts with the current state." },
  /** The caller is not allowed to do this. */
  FORBIDDEN: { http: 403, userMessage: "You are not allowed to do this." },
  /** The request carries no valid session or API token (signed out, expired, revoked). */
  UNAUTHENTICATED: { http: 401, userMessage: "Sign in first." },
  /** A dangerous action needs the password (and code) again: the last proof is older than 5 minutes. */
  STEP_UP_REQUIRED: { http: 403, userMessage: "Confirm your password to do this." },
  /** Too many failed sign-ins or codes from this address or for this account; try again later. */
  TOO_MANY_ATTEMPTS: { http: 429, userMessage: "Too many failed attempts; try again later." },
  /** A bug or an unexpected condition in Tandem itself. */
  INTERNAL: { http: 500, userMessage: "Internal error in Tandem." },
} as const satisfies Record<string, { http: number; userMessage: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}
