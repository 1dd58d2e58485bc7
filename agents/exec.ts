import { spawn } from "node:child_process";
import { AppError } from "./protocol/errors";

/** How one command ended, with the evidence an operator needs. */
export interface ExecResult {
  argv: string[];
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  timeoutMs?: number;
  stdin?: string;
  env?: NodeJS.ProcessEnv;
}

const STDERR_KEEP = 4_000;
const DEFAULT_TIMEOUT_MS = 15_000;

/** Runs argv (never through a shell) and resolves with how it ended; rejects only if it could not start. */
export function execArgv(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) return Promise.reject(new AppError("INTERNAL", "execArgv: empty argv"));
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      shell: false,
      env: options.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new AppError("COMMAND_FAILED", `cannot run ${cmd}: ${e.message}`, {
          details: { argv: [...argv], exitCode: null, stderr: e.code ?? e.message },
          cause: e,
        }),
      );
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({
        argv: [...argv],
        exitCode: code,
        signal,
        timedOut,
        durationMs: Math.round(performance.now() - started),
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      });
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.stdin ?? "");
  });
}

/** The error for a command that ran but failed: COMMAND_TIMEOUT or COMMAND_FAILED with its evidence. */
export function commandError(result: ExecResult): AppError {
  const details = {
    argv: result.argv,
    exitCode: result.exitCode,
    signal: result.signal,
    timedOut: result.timedOut,
    durationMs: result.durationMs,
    stderr: result.stderr.slice(-STDERR_KEEP),
  };
  if (result.timedOut) {
    return new AppError(
      "COMMAND_TIMEOUT",
      `${result.argv.join(" ")} timed out after ${result.durationMs} ms`,
      { details },
    );
  }
  const firstLine = result.stderr.trim().split("\n")[0] ?? "";
  return new AppError(
    "COMMAND_FAILED",
    `${result.argv.join(" ")} exited ${result.exitCode ?? result.signal}: ${firstLine}`,
    {
      details,
    },
  );
}

/** Runs argv and returns stdout; throws COMMAND_FAILED / COMMAND_TIMEOUT on a non-zero exit. */
export async function runChecked(argv: readonly string[], options: ExecOptions = {}): Promise<string> {
  const result = await execArgv(argv, options);
  if (result.timedOut || result.exitCode !== 0) throw commandError(result);
  return result.stdout;
}
