import type { ErrorCode } from "../../../lib/errors/codes";

/*
 * virsh reports failures on stderr as "error: <message>" lines (tools/vsh.c vshError); a libvirt error
 * is "<error class text>: <detail>" (src/util/virerror.c), and a message may span several lines (qemu's
 * own stderr quoted in a start failure, for instance):
 *
 *   error: Failed to start domain 'vm1'
 *   error: internal error: process exited while connecting to monitor: ... Cannot allocate memory
 *
 *   error: invalid argument: cannot set memory higher than max memory
 *   error: Requested operation is not valid: Unable to change memory of active domain without the
 *          balloon device and guest OS balloon driver
 *   error: operation forbidden: read only access prevents virDomainSetMemoryFlags
 *   error: failed to get domain 'vm9'
 *
 * The code is chosen from the message; the first rule that matches wins (order below). Messages are
 * English: run virsh with LC_ALL=C.
 */

export interface VirshError {
  code: ErrorCode;
  /** The `error: ...` line(s) without the prefix, joined with "\n"; the raw stderr when there are none. */
  message: string;
}

const RULES: ReadonlyArray<readonly [RegExp, ErrorCode]> = [
  // VIR_ERR_NO_DOMAIN ("Domain not found: no domain with matching name 'x'") and virsh's own lookup error.
  [/domain not found|failed to get domain|no domain with matching/i, "NOT_FOUND"],
  // qemu driver, VIR_ERR_OPERATION_INVALID: setmem on a running guest without a balloon. Not the caller's
  // input and not a shortage: the VM's configuration does not allow live resizing.
  [/unable to change memory of active domain without the balloon device/i, "COMMAND_FAILED"],
  // VIR_ERR_OPERATION_DENIED ("operation forbidden: read only access prevents ...") and VIR_ERR_ACCESS_DENIED.
  [/\bforbidden\b|read[- ]only access|access denied/i, "FORBIDDEN"],
  // Host memory shortage at start or balloon time (qemu "Cannot allocate memory", libxl "failed to free memory").
  [
    /cannot allocate memory|not enough memory|out of memory|insufficient memory|failed to free memory/i,
    "VM_NOT_ENOUGH_MEMORY",
  ],
  // VIR_ERR_INVALID_ARG ("invalid argument: ...") and virsh's own argument checks.
  [
    /cannot set memory higher than max memory|invalid argument|malformed or out of range|unknown suffix/i,
    "VALIDATION_FAILED",
  ],
];

export function classifyVirshError(stderr: string, exitCode: number | null): VirshError {
  const message = errorMessage(stderr, exitCode);
  // The shell's "command not found" (virsh is not installed, or not on PATH).
  if (exitCode === 127) return { code: "TOOL_MISSING", message };
  for (const [pattern, code] of RULES) if (pattern.test(stderr)) return { code, message };
  return { code: "COMMAND_FAILED", message };
}

/** From the first "error:" line on, every non-blank line, "error: " removed, continuations trimmed. */
function errorMessage(stderr: string, exitCode: number | null): string {
  const lines = stderr.split(/\r?\n/);
  const first = lines.findIndex((l) => /^\s*error:/.test(l));
  if (first === -1) {
    const text = stderr.trim();
    return text !== "" ? text : `virsh failed (exit code ${exitCode === null ? "none" : exitCode})`;
  }
  return lines
    .slice(first)
    .filter((l) => l.trim() !== "")
    .map((l) => l.replace(/^\s*error:\s*/, "").trim())
    .join("\n");
}
