import { AppError } from "../../protocol/errors";
import { commandError, execArgv, type ExecOptions } from "../../exec";
import { classifyDrbdError } from "./parse-drbd-error";

/**
 * Runs a drbdadm/drbdsetup argv; on failure throws the DRBD-specific code (DRBD_NEED_UPTODATE,
 * DRBD_HELD_OPEN, ...) with the command's evidence, so callers and operators see DRBD's own reason.
 */
export async function runDrbd(argv: readonly string[], options: ExecOptions = {}): Promise<string> {
  const result = await execArgv(argv, options);
  if (!result.timedOut && result.exitCode === 0) return result.stdout;
  const evidence = commandError(result);
  if (result.timedOut) throw evidence;
  const { code, message } = classifyDrbdError(result.stderr, result.exitCode);
  throw new AppError(code, message, { details: evidence.details });
}
