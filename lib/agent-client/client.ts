import { AppError, toAppError } from "../errors";
import {
  isNotificationName,
  METHODS,
  NOTIFICATIONS,
  PROTOCOL_VERSION,
  type MethodName,
  type NotificationName,
  type NotificationParams,
  type ParamsOf,
  type ResultOf,
} from "../../agents/protocol/methods";
import { ZCommandRecord, type TCommandRecord, type THello } from "../../agents/protocol/schemas";
import { AGENT_VERSION } from "../../agents/protocol/version";
import { createLineDecoder, encodeMessage, type RpcFailure, type RpcSuccess } from "../../agents/rpc";
import type { AgentStream, Transport } from "../transport/types";

export type AgentClientState = "connecting" | "ready" | "down" | "stopped";

/**
 * The longest wait between reconnection attempts. A repaired host must show up on the panel within seconds (a
 * failback waits for it); one SSH attempt every 5 s to a host that is down costs nothing.
 */
export const DEFAULT_MAX_BACKOFF_MS = 5_000;

export interface AgentClientOptions {
  /** First reconnect delay; doubles up to `maxBackoffMs` (default 5 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  log?: (message: string) => void;
}

interface Pending {
  method: MethodName;
  resolve: (value: { result: unknown; commands: TCommandRecord[] }) => void;
  reject: (err: AppError) => void;
  timer: NodeJS.Timeout;
}

type NotificationListener = <N extends NotificationName>(name: N, params: NotificationParams<N>) => void;
type StateListener = (state: AgentClientState, error?: AppError) => void;

/**
 * The panel's side of one host's agent: a persistent session over any Transport, with a per-call
 * deadline, validated results and notifications, and reconnection with backoff.
 */
export class AgentClient {
  private stream: AgentStream | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly notificationListeners = new Set<NotificationListener>();
  private readonly stateListeners = new Set<StateListener>();
  private backoffMs: number;
  private attempts = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private currentState: AgentClientState = "down";
  lastError: AppError | undefined;
  hello: THello | undefined;

  constructor(
    readonly host: string,
    private readonly transport: Transport,
    private readonly options: AgentClientOptions = {},
  ) {
    this.backoffMs = options.initialBackoffMs ?? 500;
  }

  get state(): AgentClientState {
    return this.currentState;
  }

  onNotification(listener: NotificationListener): () => void {
    this.notificationListeners.add(listener);
    return () => this.notificationListeners.delete(listener);
  }

  onState(listener: StateListener): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Starts connecting (and keeps reconnecting) until stop(). */
  start(): void {
    if (this.currentState === "connecting" || this.currentState === "ready") return;
    void this.connect();
  }

  stop(): void {
    this.setState("stopped");
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.failPending(new AppError("HOST_UNREACHABLE", `${this.host}: client stopped`));
    this.stream?.close();
    this.stream = undefined;
    this.transport.dispose();
  }

  /**
   * Ends the current session (if any) and connects again now, with the backoff reset: after the agent was
   * installed or upgraded, the next session runs the new agent. Calls in flight fail with HOST_UNREACHABLE.
   */
  reconnect(): void {
    if (this.currentState === "stopped") return;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.backoffMs = this.options.initialBackoffMs ?? 500;
    const stream = this.stream;
    this.stream = undefined;
    if (stream) {
      stream.close();
      this.failPending(new AppError("HOST_UNREACHABLE", `${this.host}: session restarted`));
    }
    void this.connect();
  }

  /** Calls one agent method; rejects with an AppError (HOST_UNREACHABLE when the agent is not connected). */
  call<M extends MethodName>(
    method: M,
    params: ParamsOf<M>,
    options: { timeoutMs?: number } = {},
  ): Promise<ResultOf<M>> {
    return this.callLogged(method, params, options).then(({ result }) => result);
  }

  /**
   * Like call(), with the commands the agent ran for it (argv, exit code, duration, output excerpt). On failure
   * the AppError's `details.commands` holds them.
   */
  callLogged<M extends MethodName>(
    method: M,
    params: ParamsOf<M>,
    options: { timeoutMs?: number } = {},
  ): Promise<{ result: ResultOf<M>; commands: TCommandRecord[] }> {
    if (METHODS[method].mutates && this.hello && this.hello.agentVersion !== AGENT_VERSION) {
      return Promise.reject(
        new AppError(
          "AGENT_VERSION_MISMATCH",
          `${this.host}: agent ${this.hello.agentVersion} is not ${AGENT_VERSION}; upgrade it before ${method}`,
          { details: { host: this.host, agentVersion: this.hello.agentVersion, expected: AGENT_VERSION } },
        ),
      );
    }
    return this.send(method, params, options.timeoutMs, false) as Promise<{
      result: ResultOf<M>;
      commands: TCommandRecord[];
    }>;
  }

  private send(
    method: MethodName,
    params: unknown,
    timeoutMs: number | undefined,
    duringHandshake: boolean,
  ): Promise<{ result: unknown; commands: TCommandRecord[] }> {
    const stream = this.stream;
    if (!stream || (this.currentState !== "ready" && !duringHandshake)) {
      return Promise.reject(
        new AppError(
          "HOST_UNREACHABLE",
          `${this.host}: agent not connected${this.lastError ? ` (${this.lastError.message})` : ""}`,
          {
            details: { host: this.host, ...(this.lastError ? { cause: this.lastError.code } : {}) },
          },
        ),
      );
    }
    const id = this.nextId++;
    const deadline = timeoutMs ?? METHODS[method].timeoutMs;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new AppError("COMMAND_TIMEOUT", `${this.host}: ${method} got no answer within ${deadline} ms`, {
            details: { host: this.host },
          }),
        );
      }, deadline);
      this.pending.set(id, { method, resolve, reject, timer });
      stream.stdin.write(encodeMessage({ jsonrpc: "2.0", id, method, params }));
    });
  }

  private async connect(): Promise<void> {
    const attempt = ++this.attempts; // a later connect() (reconnect()) supersedes this one
    this.setState("connecting");
    let stream: AgentStream;
    try {
      stream = await this.transport.open();
    } catch (err) {
      if (attempt === this.attempts) this.scheduleReconnect(toAppError(err));
      return;
    }
    if (this.currentState === "stopped" || attempt !== this.attempts) {
      stream.close();
      return;
    }
    this.stream = stream;
    stream.stdout.on(
      "data",
      createLineDecoder(
        (line) => this.onLine(line),
        () => this.dropStream(stream, new AppError("PARSE_ERROR", "agent line too long")),
      ),
    );
    let stderrTail = "";
    stream.stderr.on("data", (b: Buffer) => {
      const text = b.toString("utf8");
      stderrTail = (stderrTail + text).slice(-2000);
      for (const line of text.split("\n")) if (line.trim()) this.options.log?.(`${this.host}: ${line}`);
    });
    stream.onClose((info) => {
      const error =
        info.error ??
        new AppError(
          "HOST_UNREACHABLE",
          `${this.host}: agent session ended (${info.exitCode ?? info.signal ?? "closed"})`,
          {
            details: { host: this.host, stderr: stderrTail },
          },
        );
      this.dropStream(stream, error);
    });
    try {
      const { result: hello } = (await this.send(
        "agent.hello",
        { protocolVersion: PROTOCOL_VERSION },
        undefined,
        true,
      )) as { result: THello };
      if (hello.protocolVersion !== PROTOCOL_VERSION) {
        throw new AppError(
          "AGENT_VERSION_MISMATCH",
          `${this.host}: agent speaks protocol ${hello.protocolVersion}, panel ${PROTOCOL_VERSION}`,
        );
      }
      this.hello = hello;
      this.lastError = undefined;
      this.backoffMs = this.options.initialBackoffMs ?? 500;
      this.setState("ready");
    } catch (err) {
      this.dropStream(stream, toAppError(err));
    }
  }

  private onLine(line: string): void {
    let message: Partial<RpcSuccess & RpcFailure & { method: string; params: unknown; commands: unknown }>;
    try {
      message = JSON.parse(line) as typeof message;
    } catch {
      this.options.log?.(`${this.host}: agent sent invalid JSON: ${line.slice(0, 200)}`);
      return;
    }
    if (typeof message.id === "number") {
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.pending.delete(message.id);
      clearTimeout(pending.timer);
      const commands = ZCommandRecord.array().safeParse(message.commands ?? []).data ?? [];
      if (message.error) {
        const err = message.error.data
          ? AppError.fromJSON(message.error.data)
          : new AppError("INTERNAL", `${this.host}: ${message.error.message}`);
        pending.reject(
          commands.length === 0
            ? err
            : new AppError(err.code, err.message, {
                userMessage: err.userMessage,
                details: { ...err.details, commands },
              }),
        );
        return;
      }
      const result = METHODS[pending.method].result.safeParse(message.result);
      if (result.success) pending.resolve({ result: result.data, commands });
      else
        pending.reject(
          new AppError(
            "PARSE_ERROR",
            `${this.host}: invalid ${pending.method} result: ${result.error.issues[0]?.message ?? ""}`,
          ),
        );
      return;
    }
    if (typeof message.method === "string" && isNotificationName(message.method)) {
      const name = message.method;
      const params = NOTIFICATIONS[name].safeParse(message.params);
      if (!params.success) {
        this.options.log?.(`${this.host}: invalid ${name} notification ignored`);
        return;
      }
      for (const listener of this.notificationListeners) listener(name, params.data);
    }
  }

  private dropStream(stream: AgentStream, error: AppError): void {
    if (this.stream !== stream) return;
    this.stream = undefined;
    stream.close();
    this.failPending(error);
    if (this.currentState !== "stopped") this.scheduleReconnect(error);
  }

  private failPending(error: AppError): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(error);
      this.pending.delete(id);
    }
  }

  private scheduleReconnect(error: AppError): void {
    if (this.currentState === "stopped") return;
    this.lastError = error;
    this.setState("down", error);
    this.options.log?.(`${this.host}: ${error.code}: ${error.message}; retrying in ${this.backoffMs} ms`);
    this.reconnectTimer = setTimeout(() => void this.connect(), this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS);
  }

  private setState(state: AgentClientState, error?: AppError): void {
    if (this.currentState === state && !error) return;
    this.currentState = state;
    for (const l of this.stateListeners) l(state, error);
  }
}
