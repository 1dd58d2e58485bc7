/**
 * The SSH transport: one persistent ssh2 connection per host, a pinned host key, and two verbs:
 * `open()` starts the agent on an exec channel, `exec()` runs a one-shot command. It knows nothing
 * about what the commands do.
 */
import { PassThrough } from "node:stream";
import { type SFTPWrapper, Client, type ClientChannel } from "ssh2";
import type { ExecResult } from "../../agents/exec";
import { AppError, type ErrorDetails } from "../errors";
import { fingerprintSha256, normalizeFingerprint } from "./host-key";
import { quoteArgv } from "./quote";
import type { AgentStream, Transport } from "./types";

export interface SshTransportOptions {
  host: string;
  /** Default 22. */
  port?: number;
  username: string;
  privateKey: Buffer | string;
  /** The pinned host key fingerprint ("SHA256:..."); null = nothing pinned yet, so every key is refused. */
  hostKeySha256: string | null;
  /** The agent command, e.g. ["tandem-agent", "serve"]. */
  agentArgv: string[];
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  readyTimeoutMs?: number;
}

export interface SshExecOptions {
  stdin?: string;
  timeoutMs?: number;
}

export type SshTransport = Transport & {
  /** Runs argv on the host. Resolves with how it ended (non-zero exit and timeout included); rejects only if the host cannot be reached. */
  exec(argv: readonly string[], opts?: SshExecOptions): Promise<ExecResult>;
  /** True while a ready connection is up. */
  connected(): boolean;
  /** Writes `data` to `remotePath` over SFTP (creating or truncating it) with `mode`. */
  putFile(remotePath: string, data: Buffer, mode: number): Promise<void>;
  /** Renames over SFTP with posix-rename@openssh.com: an existing `to` is replaced atomically. */
  renameFile(from: string, to: string): Promise<void>;
  /** Reads a file over SFTP. */
  getFile(remotePath: string): Promise<Buffer>;
  /** Pins another host key (an administrator confirmed it): the next connection checks that one. */
  repin(hostKeySha256: string): void;
};

const DEFAULTS = {
  port: 22,
  /** A dead peer is noticed after about interval × (countMax + 1) = 20 s of silence. */
  keepaliveIntervalMs: 5_000,
  keepaliveCountMax: 3,
  /** TCP connect + key exchange + authentication, ms. */
  readyTimeoutMs: 10_000,
  /** Same default as agents/exec.ts, ms. */
  execTimeoutMs: 15_000,
};
/** Exit 127/126 this soon after start is the remote shell's "not found" / "cannot execute", not the agent's own exit, ms. */
const AGENT_START_WINDOW_MS = 5_000;
const STDERR_KEEP = 4_000;

/** One ssh2 client and what we know about it. */
interface Connection {
  client: Client;
  ready: Promise<void>;
  isReady: boolean;
  /** False once the connection failed, ended or was disposed: the next caller starts a new one. */
  isAlive: boolean;
  isDisposed: boolean;
  /** Why it ended, for the evidence (e.g. "Keepalive timeout"). */
  lastError: string | null;
}

export function createSshTransport(options: SshTransportOptions): SshTransport {
  const port = options.port ?? DEFAULTS.port;
  const target = `${options.host}:${port}`;
  const description = `ssh ${options.username}@${target}`;
  let pinned = options.hostKeySha256 === null ? null : normalizeFingerprint(options.hostKeySha256);
  let current: Connection | null = null;

  /** The live (or still connecting) connection, or a new one: concurrent callers share it. */
  function connection(): Connection {
    if (current === null || !current.isAlive) current = connect();
    return current;
  }

  /** The connection is no longer usable; the next caller connects anew. */
  function retire(conn: Connection): void {
    conn.isAlive = false;
    if (current === conn) current = null;
  }

  function connect(): Connection {
    const client = new Client();
    const conn: Connection = {
      client,
      ready: Promise.resolve(),
      isReady: false,
      isAlive: true,
      isDisposed: false,
      lastError: null,
    };
    let hostKeyRefusal: AppError | null = null;
    const markDead = () => retire(conn);

    conn.ready = new Promise<void>((resolve, reject) => {
      client.once("ready", () => {
        conn.isReady = true;
        resolve();
      });
      // Before "ready" an error fails the connect; after it, "close" follows and the channels see the loss.
      client.on("error", (err: Error & { level?: string; code?: string }) => {
        conn.lastError = err.message;
        if (conn.isReady) return;
        markDead();
        reject(hostKeyRefusal ?? connectError(err));
      });
      client.once("end", markDead);
      client.once("close", () => {
        markDead();
        reject(unreachable("connection closed before it was ready"));
      });

      try {
        client.connect({
          host: options.host,
          port,
          username: options.username,
          privateKey: options.privateKey,
          readyTimeout: options.readyTimeoutMs ?? DEFAULTS.readyTimeoutMs,
          keepaliveInterval: options.keepaliveIntervalMs ?? DEFAULTS.keepaliveIntervalMs,
          keepaliveCountMax: options.keepaliveCountMax ?? DEFAULTS.keepaliveCountMax,
          // hostHash unset: ssh2 hands us the raw key blob. Returning false makes ssh2 fail the
          // handshake with a generic "Host denied (verification failed)"; the error handler above
          // reports our own refusal instead, so it never reads as HOST_UNREACHABLE.
          hostVerifier: (key: Buffer): boolean => {
            const presented = fingerprintSha256(key);
            if (presented === pinned) return true;
            hostKeyRefusal = hostKeyError(presented);
            return false;
          },
        });
      } catch (err) {
        // ssh2 parses the private key synchronously; its message names the format, never the key.
        markDead();
        reject(
          new AppError(
            "VALIDATION_FAILED",
            `${description}: unusable private key: ${(err as Error).message}`,
            {
              details: {
                host: target,
                field: "privateKey",
                rule: "an unencrypted OpenSSH or PEM private key",
              },
            },
          ),
        );
      }
    });
    return conn;
  }

  function hostKeyError(presented: string): AppError {
    if (pinned === null) {
      return new AppError(
        "HOST_KEY_UNKNOWN",
        `${description}: host key ${presented} is not pinned; refused`,
        {
          details: { host: target, presentedHostKeySha256: presented },
        },
      );
    }
    return new AppError(
      "HOST_KEY_CHANGED",
      `${description}: host key ${presented} does not match the pinned ${pinned}; refused`,
      {
        details: { host: target, expectedHostKeySha256: pinned, presentedHostKeySha256: presented },
      },
    );
  }

  /** ssh2 marks errors with a `level`: "client-socket" (ECONNREFUSED, ...), "client-dns", "client-timeout", "client-authentication", "handshake", "protocol". */
  function connectError(err: Error & { level?: string; code?: string }): AppError {
    const details: ErrorDetails = { host: target, sshLevel: err.level ?? null, reason: err.message };
    if (err.level === "client-authentication") {
      return new AppError("AUTH_FAILED", `${description}: authentication rejected: ${err.message}`, {
        details,
      });
    }
    return new AppError("HOST_UNREACHABLE", `${description}: ${err.message}`, { details });
  }

  function unreachable(reason: string, extra: ErrorDetails = {}): AppError {
    return new AppError("HOST_UNREACHABLE", `${description}: ${reason}`, {
      details: { host: target, reason, ...extra },
    });
  }

  /** Opens an exec channel running `command`; a failure on a lost connection is HOST_UNREACHABLE. */
  async function startCommand(
    argv: readonly string[],
  ): Promise<{ conn: Connection; channel: ClientChannel }> {
    const command = quoteArgv(argv);
    const conn = connection();
    await conn.ready;
    const channel = await new Promise<ClientChannel>((resolve, reject) => {
      const fail = (err: Error) => {
        if (err.message === "Not connected") retire(conn);
        if (!conn.isAlive) {
          reject(unreachable(`connection lost: ${conn.lastError ?? err.message}`, { argv: [...argv] }));
        } else {
          // e.g. the server's MaxSessions (10 channels per connection) is exhausted.
          reject(
            new AppError("COMMAND_FAILED", `${description}: cannot start ${argv.join(" ")}: ${err.message}`, {
              details: { host: target, argv: [...argv] },
            }),
          );
        }
      };
      try {
        conn.client.exec(command, (err, ch) => (err ? fail(err) : resolve(ch)));
      } catch (err) {
        fail(err as Error); // ssh2 throws "Not connected" when the socket is already gone
      }
    });
    return { conn, channel };
  }

  async function exec(argv: readonly string[], opts: SshExecOptions = {}): Promise<ExecResult> {
    const { conn, channel } = await startCommand(argv);
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let exitCode: number | null = null;
      let signal: string | null = null;
      let isSettled = false;
      const settle = (timedOut: boolean) => {
        isSettled = true;
        clearTimeout(timer);
        resolve({
          argv: [...argv],
          exitCode,
          signal,
          timedOut,
          durationMs: Math.round(performance.now() - started),
          stdout: Buffer.concat(out).toString("utf8"),
          stderr: Buffer.concat(err).toString("utf8"),
        });
      };
      // ssh2 cannot send a "signal" request once stdin is ended, so a timeout only closes the
      // channel: sshd then closes the command's pipes, but a command that never touches them runs on.
      const timer = setTimeout(() => {
        channel.close();
        settle(true);
      }, opts.timeoutMs ?? DEFAULTS.execTimeoutMs);
      channel.on("data", (b: Buffer) => out.push(b));
      channel.stderr.on("data", (b: Buffer) => err.push(b));
      channel.on("exit", (code: number | null, sig?: string) => {
        exitCode = code;
        signal = sig ?? null;
      });
      channel.once("close", () => {
        if (isSettled) return;
        if (!conn.isAlive && exitCode === null && signal === null) {
          clearTimeout(timer);
          isSettled = true;
          reject(
            unreachable(`connection lost while running ${argv.join(" ")}: ${conn.lastError ?? "closed"}`, {
              argv: [...argv],
            }),
          );
          return;
        }
        settle(false);
      });
      channel.end(opts.stdin ?? "");
    });
  }

  async function open(): Promise<AgentStream> {
    const argv = options.agentArgv;
    const { conn, channel } = await startCommand(argv);
    const started = performance.now();

    // stderr is teed so that the evidence of a failed start survives whatever the caller does with it.
    const stderr = new PassThrough();
    let stderrTail = "";
    channel.stderr.on(
      "data",
      (b: Buffer) => (stderrTail = (stderrTail + b.toString("utf8")).slice(-STDERR_KEEP)),
    );
    channel.stderr.pipe(stderr);

    let exitCode: number | null = null;
    let signal: string | null = null;
    let isClosedByUs = false;
    type CloseInfo = Parameters<Parameters<AgentStream["onClose"]>[0]>[0];
    let closeInfo: CloseInfo | null = null;
    const listeners: ((info: CloseInfo) => void)[] = [];

    const closeError = (): AppError | undefined => {
      if (isClosedByUs || conn.isDisposed) return undefined;
      const details: ErrorDetails = {
        host: target,
        argv: [...argv],
        exitCode,
        signal,
        durationMs: Math.round(performance.now() - started),
        stderr: stderrTail,
      };
      if (exitCode === null && signal === null && !conn.isAlive) {
        return unreachable(`connection lost while the agent ran: ${conn.lastError ?? "closed"}`, details);
      }
      const justStarted = performance.now() - started < AGENT_START_WINDOW_MS;
      // 127/126: the shell found no such command; node's own "Cannot find module" for `node <agentPath> serve`.
      const notInstalled =
        exitCode === 127 ||
        exitCode === 126 ||
        (exitCode === 1 && /Error: Cannot find module/.test(stderrTail));
      if (notInstalled && justStarted) {
        return new AppError(
          "AGENT_MISSING",
          `${description}: ${argv.join(" ")} could not be started (exit ${exitCode}): ${stderrTail.trim()}`,
          { details },
        );
      }
      if ((exitCode !== null && exitCode !== 0) || signal !== null) {
        return new AppError("COMMAND_FAILED", `${description}: agent exited ${exitCode ?? signal}`, {
          details,
        });
      }
      return undefined;
    };

    channel.on("exit", (code: number | null, sig?: string) => {
      exitCode = code;
      signal = sig ?? null;
    });
    // ssh2 emits "close" once the remote closed the channel AND stdout was read to its end.
    channel.once("close", () => {
      const error = closeError();
      closeInfo = { exitCode, signal, ...(error === undefined ? {} : { error }) };
      for (const listener of listeners.splice(0)) listener(closeInfo);
    });

    return {
      stdin: channel,
      stdout: channel,
      stderr,
      close() {
        if (isClosedByUs) return;
        isClosedByUs = true;
        channel.close();
      },
      onClose(listener) {
        if (closeInfo === null) listeners.push(listener);
        else listener(closeInfo);
      },
    };
  }

  /** An SFTP session on the shared connection; the caller ends it. */
  async function sftp(): Promise<SFTPWrapper> {
    const conn = connection();
    await conn.ready;
    return new Promise((resolve, reject) =>
      conn.client.sftp((err, session) =>
        err
          ? reject(
              new AppError("COMMAND_FAILED", `${description}: SFTP unavailable: ${err.message}`, {
                details: { host: target },
              }),
            )
          : resolve(session),
      ),
    );
  }

  async function withSftp(
    what: string,
    fn: (s: SFTPWrapper, done: (err: Error | null | undefined) => void) => void,
  ): Promise<void> {
    const session = await sftp();
    try {
      await new Promise<void>((resolve, reject) =>
        fn(session, (err) =>
          err
            ? reject(
                new AppError("COMMAND_FAILED", `${description}: ${what}: ${err.message}`, {
                  details: { host: target },
                }),
              )
            : resolve(),
        ),
      );
    } finally {
      session.end();
    }
  }

  return {
    kind: "ssh",
    description,
    open,
    exec,
    repin(hostKeySha256) {
      pinned = normalizeFingerprint(hostKeySha256);
      if (current) retire(current);
    },
    putFile: (remotePath, data, mode) =>
      withSftp(`write ${remotePath}`, (s, done) => s.writeFile(remotePath, data, { mode }, done)),
    renameFile: (from, to) =>
      withSftp(`rename ${from} to ${to}`, (s, done) => s.ext_openssh_rename(from, to, done)),
    async getFile(remotePath) {
      let data: Buffer = Buffer.alloc(0);
      await withSftp(`read ${remotePath}`, (s, done) =>
        s.readFile(remotePath, (err, content) => {
          if (!err) data = content;
          done(err);
        }),
      );
      return data;
    },
    connected: () => current !== null && current.isReady && current.isAlive,
    dispose() {
      const conn = current;
      if (conn === null) return;
      conn.isDisposed = true;
      retire(conn);
      if (conn.isReady) conn.client.end();
      else conn.client.destroy();
    },
  };
}
