import type { ErrorCode } from "../../../lib/errors/codes";

/*
 * Classifies what a failed drbdadm / drbdsetup / drbdmeta printed, e.g.
 *
 *   1: State change failed: (-12) Device is held open by someone
 *   Command 'drbdsetup-84 secondary 1' terminated with exit code 11
 *
 * - `<object>: State change failed: (N) <text>` is drbdsetup's print of a refused state change; N is the
 *   kernel's enum drbd_state_rv, the text its drbd_set_st_err_str() (the same in 8.3, 8.4 and 9):
 *   -1 SS_TWO_PRIMARIES "Multiple primaries not allowed by config" → DRBD_MULTIPLE_PRIMARIES,
 *   -2 SS_NO_UP_TO_DATE_DISK "Need access to UpToDate data" → DRBD_NEED_UPTODATE,
 *   -12 SS_DEVICE_IN_USE "Device is held open by someone" → DRBD_HELD_OPEN (DRBD 9.2 follows it with
 *   "additional info from kernel:" and "/dev/drbd1 opened by mount (pid 3404) at ..." lines),
 *   any other N → DRBD_STATE_CHANGE_FAILED. The object prefix (minor, resource, /dev/drbdN) is dropped;
 *   a text without "(N)" (kernel-log style) is matched by its words.
 * - `'r0' not defined in your config (for this host).` (drbdadm, exit 1) → NOT_FOUND.
 * - `<file>:<line>: ...` with exit code 10 (E_CONFIG_INVALID), or any `<file>:<line>: Parse error: ...`
 *   → DRBD_CONFIG_INVALID.
 * - exit code 127, or a shell's "command not found" / "sh: 1: drbdadm: not found" → TOOL_MISSING.
 * - anything else → COMMAND_FAILED, with the first line that says something (drbdsetup's
 *   `Failure: (N) ...` without its object prefix when there is one).
 * Lines that never explain a failure are skipped: the usage-survey banner and server response, the
 * "DRBD module version / userland version / should match" warning, "additional info from kernel:" and
 * drbdadm's "Command '...' terminated with exit code N" (kept only as the last resort), and a captured
 * shell prompt line (`[root@pcmk-1 ~]# drbdadm ...`, `$ ...`).
 * `message` is DRBD's own line, trimmed (and without the literal "\n" Ganeti appends when it relays one).
 */

export interface DrbdErrorClassification {
  code: ErrorCode;
  message: string;
}

const STATE_CHANGE = /State change failed: (?:\((-?\d+)\) *)?(.*)$/;
const STATE_CHANGE_CODES: ReadonlyMap<number, ErrorCode> = new Map<number, ErrorCode>([
  [-1, "DRBD_MULTIPLE_PRIMARIES"],
  [-2, "DRBD_NEED_UPTODATE"],
  [-12, "DRBD_HELD_OPEN"],
]);
const STATE_CHANGE_TEXTS: ReadonlyArray<[RegExp, ErrorCode]> = [
  [/^Multiple primaries not allowed by config\b/, "DRBD_MULTIPLE_PRIMARIES"],
  [/^Need access to UpToDate data\b/, "DRBD_NEED_UPTODATE"],
  [/^Device is held open by someone\b/, "DRBD_HELD_OPEN"],
];
const NOT_DEFINED = /'[^']*' not defined in your config\b/;
const FILE_LINE = /^[^\s:]+:\d+: \S/;
const TOOL_MISSING = [
  /\bcommand not found\b/,
  /^\S*sh: (?:line )?(?:\d+: )?[^\s:]+: not found$/,
  /^env: .*: No such file or directory$/,
];
const FAILURE = /(?:^|: )(Failure: \(\d+\) .*)$/;
const COMMAND_TERMINATED = /^Command '.*' terminated with exit code \d+$/;
const NOISE = [
  /--==\s*Thank you for participating in the global usage survey\s*==--/,
  /^The server's response is:/,
  /^you are the \d+\w* user to install this version/,
  /^(?:From now on|In the future),? drbdadm will (?:only )?contact\b/,
  /^DRBD or when you use 'drbdadm create-md'/,
  /^to ask you for confirmation as long as 'usage-count'/,
  /^value of 'ask'\.$/,
  /^Just press \[(?:RETURN|enter)\]/,
  /^DRBD module version: /,
  /^userland version: /,
  /^preferably kernel and userland versions should match\.$/,
  /^additional info from kernel:$/,
  /^(?:\[[^\]]*\]|[\w.@:~-]*)[#$] /, // a shell prompt and command captured with the output
];

export function classifyDrbdError(stderr: string, exitCode: number | null): DrbdErrorClassification {
  const lines = stderr
    .split("\n")
    .map(cleanLine)
    .filter((l) => l !== "" && !NOISE.some((re) => re.test(l)));

  for (const line of lines) {
    const m = STATE_CHANGE.exec(line);
    if (!m) continue;
    const text = cleanLine(m[2] ?? "");
    const message = `State change failed: ${m[1] === undefined ? "" : `(${m[1]}) `}${text}`;
    const byNumber = m[1] === undefined ? undefined : STATE_CHANGE_CODES.get(Number(m[1]));
    const byText = STATE_CHANGE_TEXTS.find(([re]) => re.test(text))?.[1];
    return {
      code: byNumber ?? (m[1] === undefined ? byText : undefined) ?? "DRBD_STATE_CHANGE_FAILED",
      message,
    };
  }

  const notDefined = lines.find((l) => NOT_DEFINED.test(l));
  if (notDefined !== undefined) return { code: "NOT_FOUND", message: notDefined };

  const config = lines.find((l) => FILE_LINE.test(l) && (exitCode === 10 || /: Parse error: /.test(l)));
  if (config !== undefined) return { code: "DRBD_CONFIG_INVALID", message: config };

  const missing = lines.find((l) => TOOL_MISSING.some((re) => re.test(l)));
  if (missing !== undefined || exitCode === 127)
    return { code: "TOOL_MISSING", message: missing ?? firstMeaningful(lines) ?? "exit code 127" };

  return {
    code: "COMMAND_FAILED",
    message:
      firstMeaningful(lines) ??
      lines.find((l) => COMMAND_TERMINATED.test(l)) ??
      (exitCode === null ? "no error output" : `exit code ${exitCode}, no error output`),
  };
}

function firstMeaningful(lines: readonly string[]): string | undefined {
  for (const line of lines) {
    if (COMMAND_TERMINATED.test(line)) continue;
    const failure = FAILURE.exec(line);
    return failure ? failure[1]! : line;
  }
  return undefined;
}

/** Trims, and drops the literal `\n` Ganeti leaves at the end of a relayed message. */
function cleanLine(line: string): string {
  return line
    .replace(/\r$/, "")
    .trim()
    .replace(/(?:\\n)+$/, "")
    .trim();
}
