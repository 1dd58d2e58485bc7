/**
 * The agent's JSON-RPC server: reads requests from `input`, writes responses and notifications to `output`.
 * One agent runs per panel connection (`tandem-agent serve` on an SSH exec channel or as a child process).
 */
import type { Readable, Writable } from "node:stream";
import { z } from "zod";
import { AppError, toAppError } from "./protocol/errors";
import { isMethodName, METHODS, type NotificationName, type NotificationParams } from "./protocol/methods";
import type { TCommandRecord, TDrbdStatus, TVmList } from "./protocol/schemas";
import { commandLog } from "./exec";
import {
  createLineDecoder,
  encodeMessage,
  RPC_INVALID_PARAMS,
  RPC_INVALID_REQUEST,
  RPC_METHOD_NOT_FOUND,
  RPC_PARSE_ERROR,
  RPC_SERVER_ERROR,
  type RpcMessage,
} from "./rpc";
import { drbdDetector, statusSourceOf, watchDrbdStatus } from "./drivers/drbd/driver";
import type { Hypervisor } from "./hypervisor";
import { createHandlers } from "./methods";

export interface AgentOptions {
  hypervisor: Hypervisor;
  /** How often to poll the hypervisor for VM changes, in ms (xl/xm have no event stream). */
  pollMs: number;
  /** How often to send `agent.heartbeat`, in ms. */
  heartbeatMs: number;
  simulated: boolean;
  /** Where DRBD resource files live (default /etc/drbd.d). */
  drbdConfigDir: string;
  /** The mount table (default /proc/mounts). */
  mountsFile: string;
  /** DRBD 8.x's state file (default /proc/drbd). */
  procDrbdFile: string;
  log: (message: string) => void;
}

const ZRequest = z.object({
  jsonrpc: z.literal("2.0"),
  id: z.number().int(),
  method: z.string(),
  params: z.unknown().optional(),
});

export function serveAgent(input: Readable, output: Writable, options: AgentOptions): Promise<void> {
  const { hypervisor, log } = options;
  const send = (message: RpcMessage) => {
    if (!output.writableEnded) output.write(encodeMessage(message));
  };
  const notify = <N extends NotificationName>(method: N, params: NotificationParams<N>) =>
    send({ jsonrpc: "2.0", method, params });

  const drbd = drbdDetector();
  let splitBrain = new Set<string>();
  const handlers = createHandlers({
    splitBrain: () => splitBrain,
    hypervisor,
    simulated: options.simulated,
    drbdConfigDir: options.drbdConfigDir,
    mountsFile: options.mountsFile,
    procDrbdFile: options.procDrbdFile,
    drbd,
    log,
  });

  const handle = async (line: string) => {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      send({ jsonrpc: "2.0", id: null, error: { code: RPC_PARSE_ERROR, message: "invalid JSON" } });
      return;
    }
    const request = ZRequest.safeParse(raw);
    if (!request.success) {
      send({
        jsonrpc: "2.0",
        id: null,
        error: { code: RPC_INVALID_REQUEST, message: "not a JSON-RPC 2.0 request" },
      });
      return;
    }
    const { id, method } = request.data;
    if (!isMethodName(method)) {
      send({
        jsonrpc: "2.0",
        id,
        error: { code: RPC_METHOD_NOT_FOUND, message: `unknown method ${method}` },
      });
      return;
    }
    const params = METHODS[method].params.safeParse(request.data.params ?? {});
    if (!params.success) {
      const issue = params.error.issues[0];
      const err = new AppError(
        "VALIDATION_FAILED",
        `${method}: ${issue?.path.join(".") || "params"}: ${issue?.message ?? "invalid"}`,
        {
          details: { field: issue?.path.join(".") ?? "params", rule: issue?.message ?? "invalid" },
        },
      );
      send({
        jsonrpc: "2.0",
        id,
        error: { code: RPC_INVALID_PARAMS, message: err.message, data: err.toJSON() },
      });
      return;
    }
    // Every command the call runs is recorded and sent with the answer (`commands`), success or failure.
    const commands: TCommandRecord[] = [];
    try {
      const handler = handlers[method] as (p: unknown) => Promise<unknown>;
      const result = await commandLog.run(commands, () => handler(params.data));
      send({ jsonrpc: "2.0", id, result, ...(commands.length === 0 ? {} : { commands }) });
    } catch (err) {
      const appError = toAppError(err);
      log(`${method} failed: ${appError.message}`);
      send({
        jsonrpc: "2.0",
        id,
        error: { code: RPC_SERVER_ERROR, message: appError.message, data: appError.toJSON() },
        ...(commands.length === 0 ? {} : { commands }),
      });
    }
  };

  // Live changes: DRBD from its event stream, VMs by polling (xl has no event stream).
  let lastDrbd = "";
  const drbdWatch = watchDrbdStatus(
    async () => statusSourceOf(await drbd(), options.procDrbdFile),
    (status: TDrbdStatus) => {
      splitBrain = new Set(status.resources.filter((r) => r.splitBrain).map((r) => r.name));
      const json = JSON.stringify(status);
      if (json === lastDrbd) return;
      lastDrbd = json;
      notify("drbd.changed", status);
    },
    (message) => log(message),
    { pollMs: options.pollMs },
  );
  let lastVms = "";
  let pollStartedAt: number | null = null;
  let pollOkAt: number | null = null;
  const poll = async () => {
    if (pollStartedAt !== null) return;
    pollStartedAt = Date.now();
    try {
      const list: TVmList = { vms: await hypervisor.listVms() };
      pollOkAt = Date.now();
      const json = JSON.stringify(list);
      if (json !== lastVms) {
        if (lastVms !== "") notify("vm.changed", list);
        lastVms = json;
      }
    } catch (err) {
      log(`vm poll: ${toAppError(err).message}`);
    } finally {
      pollStartedAt = null;
    }
  };
  void poll();
  const pollTimer = setInterval(() => void poll(), options.pollMs);
  let seq = 0;
  const heartbeatTimer = setInterval(() => {
    const now = Date.now();
    notify("agent.heartbeat", {
      seq: ++seq,
      probes: [
        {
          name: "vm.list",
          inFlightMs: pollStartedAt === null ? null : now - pollStartedAt,
          lastOkAgoMs: pollOkAt === null ? null : now - pollOkAt,
        },
      ],
    });
  }, options.heartbeatMs);

  return new Promise((resolve) => {
    const stop = () => {
      clearInterval(pollTimer);
      clearInterval(heartbeatTimer);
      drbdWatch.stop();
      resolve();
    };
    // Ending the session (stdin closed) or a signal stops the event stream's child process too.
    for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.once(signal, stop);
    const decode = createLineDecoder(
      (line) => void handle(line),
      () =>
        send({
          jsonrpc: "2.0",
          id: null,
          error: { code: RPC_INVALID_REQUEST, message: "request line too long" },
        }),
    );
    input.on("data", decode);
    input.on("end", stop);
  });
}
