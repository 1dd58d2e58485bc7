import { AppError } from "../../protocol/errors";
import { commandError, execArgv } from "../../exec";
import type { ErrorCode } from "../../../lib/errors/codes";

/**
 * What a failed `xl`/`xm` run means, from libxl's and xl's own messages:
 * - no memory for the domain: libxc's "xc_dom_boot_mem_init: can't allocate low memory for domain: Out of
 *   memory", xl's "failed to free memory for the domain" when dom0 cannot balloon down, or xend's
 *   "I need N KiB, but dom0_min_mem is ...";
 * - an unknown domain: "Invalid domain identifier: <name>".
 */
export function classifyXenError(stderr: string): ErrorCode {
  if (
    /can't allocate low memory for domain|failed to free memory for the domain|I need \d+ KiB, but dom0_min_mem/.test(
      stderr,
    )
  )
    return "VM_NOT_ENOUGH_MEMORY";
  if (/Invalid domain identifier/.test(stderr)) return "NOT_FOUND";
  return "COMMAND_FAILED";
}

/** Runs an xl/xm argv; on failure throws the classified code with the command's evidence. */
export async function runXen(argv: readonly string[]): Promise<string> {
  const result = await execArgv(argv);
  if (!result.timedOut && result.exitCode === 0) return result.stdout;
  const evidence = commandError(result);
  if (result.timedOut) throw evidence;
  const code = classifyXenError(result.stderr);
  if (code === "COMMAND_FAILED") throw evidence;
  const firstError = result.stderr.split("\n").find((l) => /error|Invalid/.test(l)) ?? evidence.message;
  throw new AppError(code, `${argv.join(" ")}: ${firstError.trim()}`, { details: evidence.details });
}
