import type { Readable, Writable } from "node:stream";
import type { AppError } from "../errors";

/** A running agent (`tandem-agent serve`): a byte stream in each direction. */
export interface AgentStream {
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Ends the agent session (closes the channel or kills the child). Idempotent. */
  close(): void;
  /** Called once when the stream ends for any reason; `error` is set when it ended abnormally. */
  onClose(
    listener: (info: { exitCode: number | null; signal: string | null; error?: AppError }) => void,
  ): void;
}

/**
 * How the panel reaches one host's agent. The code above cannot tell SSH from a local child process.
 * `open()` rejects with an AppError: HOST_UNREACHABLE, HOST_KEY_UNKNOWN, HOST_KEY_CHANGED, AUTH_FAILED or AGENT_MISSING.
 */
export interface Transport {
  readonly kind: "ssh" | "local";
  /** A short description for logs, e.g. "ssh root@10.0.0.1:22" (never secrets). */
  readonly description: string;
  open(): Promise<AgentStream>;
  /** Releases any persistent connection. */
  dispose(): void;
}
