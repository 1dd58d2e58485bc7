import { spawn } from "node:child_process";
import { childEnv } from "../env";
import { AppError } from "../errors";
import type { AgentStream, Transport } from "./types";

export interface LocalTransportOptions {
  /** The agent command, e.g. [process.execPath, "agents/dist/tandem-agent.js", "serve", "--simulated"]. */
  argv: string[];
  env?: NodeJS.ProcessEnv;
  description?: string;
}

/** Runs the agent as a local child process (the simulated farm's hosts). */
export function createLocalTransport(options: LocalTransportOptions): Transport {
  const [cmd, ...args] = options.argv;
  if (cmd === undefined) throw new AppError("INTERNAL", "local transport: empty agent argv");
  return {
    kind: "local",
    description: options.description ?? `local ${cmd}`,
    open(): Promise<AgentStream> {
      return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, {
          shell: false,
          env: options.env ?? childEnv({}),
          stdio: ["pipe", "pipe", "pipe"],
        });
        let settled = false;
        const listeners: Array<Parameters<AgentStream["onClose"]>[0]> = [];
        let closedInfo: Parameters<Parameters<AgentStream["onClose"]>[0]>[0] | undefined;
        const finish = (info: NonNullable<typeof closedInfo>) => {
          if (closedInfo) return;
          closedInfo = info;
          for (const l of listeners) l(info);
        };
        child.on("error", (err: NodeJS.ErrnoException) => {
          const error = new AppError("AGENT_MISSING", `cannot start agent ${cmd}: ${err.message}`, {
            details: { argv: options.argv },
          });
          if (!settled) {
            settled = true;
            reject(error);
          }
          finish({ exitCode: null, signal: null, error });
        });
        child.on("spawn", () => {
          settled = true;
          resolve({
            stdin: child.stdin,
            stdout: child.stdout,
            stderr: child.stderr,
            close: () => {
              child.stdin.end();
              if (child.exitCode === null) child.kill("SIGTERM");
            },
            onClose: (listener) => {
              if (closedInfo) listener(closedInfo);
              else listeners.push(listener);
            },
          });
        });
        child.stdin.on("error", () => undefined);
        child.on("close", (code, signal) => {
          const error =
            code === 0 || signal === "SIGTERM"
              ? undefined
              : new AppError(
                  code === 126 || code === 127 ? "AGENT_MISSING" : "HOST_UNREACHABLE",
                  `agent exited (${code ?? signal})`,
                  {
                    details: { argv: options.argv, exitCode: code, signal },
                  },
                );
          finish({ exitCode: code, signal, ...(error ? { error } : {}) });
        });
      });
    },
    dispose() {},
  };
}
