import { AsyncLocalStorage } from "node:async_hooks";
import { spawn } from "node:child_process";
import { AppError } from "./protocol/errors";
import type { TCommandRecord } from "./protocol/schemas";

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
  /** Text for the command's stdin; without it stdin is closed at once, so no prompt can wait for an answer. */
  stdin?: string;
  env?: NodeJS.ProcessEnv;
  /** Most bytes kept of stdout (and of stderr); a command printing more is killed and reported. */
  maxOutputBytes?: number;
}

const STDERR_KEEP = 4_000;
const DEFAULT_TIMEOUT_MS = 15_000;
/** 16 MiB: far above any status output of a two-host farm, low enough that a runaway tool cannot exhaust the agent. */
const DEFAULT_MAX_OUTPUT = 16 * 1024 * 1024;

/** Tools print parseable, English output only in the C locale. */
function commandEnv(env: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
  return { ...(env ?? process.env), LC_ALL: "C", LANG: "C" };
}

/** Most characters of a command's output kept in its record (the end: where tools say what went wrong). */
const RECORD_OUTPUT_KEEP = 2_000;

/**
 * The commands run for the agent call in progress (agents/server.ts runs each call in `commandLog.run([])`),
 * so the panel's job journal can show every argv, exit code, duration and output excerpt. Commands run outside a
 * call (the pollers) are not recorded.
 */
export const commandLog = new AsyncLocalStorage<TCommandRecord[]>();

function record(result: ExecResult): void {
  const output = `${result.stdout}${result.stderr}`;
  commandLog.getStore()?.push({
    argv: result.argv,
    exitCode: result.exitCode,
    timedOut: result.timedOut,
    durationMs: result.durationMs,
    output: output.length > RECORD_OUTPUT_KEEP ? output.slice(-RECORD_OUTPUT_KEEP) : output,
  });
}

/** Runs argv (never through a shell) and resolves with how it ended; rejects only if it could not start. */
export function execArgv(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) return Promise.reject(new AppError("INTERNAL", "execArgv: empty argv"));
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      shell: false,
      env: commandEnv(options.env),
      stdio: ["pipe", "pipe", "pipe"],
      // Its own process group, so a deadline kills the whole command, helpers it started included.
      detached: true,
    });
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    };
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const maxBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
    let outBytes = 0;
    let errBytes = 0;
    let overflow = false;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const keep = (chunks: Buffer[], b: Buffer, total: number): number => {
      if (total + b.length > maxBytes) {
        if (!overflow) {
          overflow = true;
          killGroup();
        }
        return total;
      }
      chunks.push(b);
      return total + b.length;
    };
    child.stdout.on("data", (b: Buffer) => (outBytes = keep(out, b, outBytes)));
    child.stderr.on("data", (b: Buffer) => (errBytes = keep(err, b, errBytes)));
    child.on("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const missing = e.code === "ENOENT" || e.code === "EACCES";
      reject(
        new AppError(missing ? "TOOL_MISSING" : "COMMAND_FAILED", `cannot run ${cmd}: ${e.message}`, {
          details: { argv: [...argv], exitCode: null, stderr: e.code ?? e.message },
          cause: e,
        }),
      );
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const result: ExecResult = {
        argv: [...argv],
        exitCode: code,
        signal,
        timedOut,
        durationMs: Math.round(performance.now() - started),
        stdout: Buffer.concat(out).toString("utf8"),
        stderr:
          Buffer.concat(err).toString("utf8") +
          (overflow ? `\n[tandem-agent: output over ${maxBytes} bytes; killed]` : ""),
      };
      record(result);
      resolve(result);
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
