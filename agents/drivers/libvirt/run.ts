import { AppError } from "../../protocol/errors";
import { commandError, execArgv } from "../../exec";
import { classifyVirshError } from "./parse-virsh-error";

/** Runs a virsh argv; on failure throws the code libvirt's message maps to (NOT_FOUND, ...) with the evidence. */
export async function runVirsh(argv: readonly string[]): Promise<string> {
  const result = await execArgv(argv);
  if (!result.timedOut && result.exitCode === 0) return result.stdout;
  const evidence = commandError(result);
  if (result.timedOut) throw evidence;
  const { code, message } = classifyVirshError(result.stderr, result.exitCode);
  throw new AppError(code, message, { details: evidence.details });
}
