/**
 * JSON-RPC 2.0 framing shared by agent and panel: one JSON object per line (UTF-8, "\n"-terminated).
 * See docs/agent-protocol.md.
 */
import type { SerializedAppError } from "./protocol/errors";

export const MAX_LINE_BYTES = 4 * 1024 * 1024;

export interface RpcRequest {
  jsonrpc: "2.0";
  id: number;
  method: string;
  params?: unknown;
}
export interface RpcNotification {
  jsonrpc: "2.0";
  method: string;
  params?: unknown;
}
export interface RpcSuccess {
  jsonrpc: "2.0";
  id: number;
  result: unknown;
}
export interface RpcFailure {
  jsonrpc: "2.0";
  id: number | null;
  error: { code: number; message: string; data?: SerializedAppError };
}
export type RpcMessage = RpcRequest | RpcNotification | RpcSuccess | RpcFailure;

/** JSON-RPC's own codes; Tandem's code (HOST_UNREACHABLE, ...) travels in `error.data.code`. */
export const RPC_PARSE_ERROR = -32700;
export const RPC_INVALID_REQUEST = -32600;
export const RPC_METHOD_NOT_FOUND = -32601;
export const RPC_INVALID_PARAMS = -32602;
export const RPC_SERVER_ERROR = -32000;

export function encodeMessage(message: RpcMessage): string {
  return `${JSON.stringify(message)}\n`;
}

/** Splits a byte stream into lines; calls `onLine` for each complete line, `onOverflow` if one grows too long. */
export function createLineDecoder(
  onLine: (line: string) => void,
  onOverflow: () => void,
): (chunk: Buffer | string) => void {
  let buffer = "";
  return (chunk) => {
    buffer += typeof chunk === "string" ? chunk : chunk.toString("utf8");
    let index: number;
    while ((index = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, index);
      buffer = buffer.slice(index + 1);
      if (line.trim() !== "") onLine(line);
    }
    if (buffer.length > MAX_LINE_BYTES) {
      buffer = "";
      onOverflow();
    }
  };
}
