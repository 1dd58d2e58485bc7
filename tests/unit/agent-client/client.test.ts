/** AgentClient against an in-memory agent: deadlines, validation, version check, notifications. */
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { AgentClient } from "../../../lib/agent-client/client";
import type { AgentStream, Transport } from "../../../lib/transport/types";

type Reply = (request: { id: number; method: string; params: unknown }) => unknown | undefined;

/** A transport whose "agent" answers each request with `reply` (undefined = never answer). */
function fakeTransport(reply: Reply): Transport & { push(message: unknown): void; kill(): void } {
  let current: { stdout: PassThrough; close: () => void } | undefined;
  return {
    kind: "local",
    description: "fake",
    async open(): Promise<AgentStream> {
      const stdin = new PassThrough();
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      const listeners: Array<(i: { exitCode: number | null; signal: string | null }) => void> = [];
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        for (const l of listeners) l({ exitCode: 1, signal: null });
      };
      current = { stdout, close };
      stdin.on("data", (chunk: Buffer) => {
        for (const line of chunk.toString().split("\n").filter(Boolean)) {
          const req = JSON.parse(line) as { id: number; method: string; params: unknown };
          const answer = reply(req);
          if (answer !== undefined)
            stdout.write(`${JSON.stringify({ jsonrpc: "2.0", id: req.id, ...(answer as object) })}\n`);
        }
      });
      return { stdin, stdout, stderr, close, onClose: (l) => listeners.push(l) };
    },
    dispose() {},
    push(message) {
      current?.stdout.write(`${JSON.stringify(message)}\n`);
    },
    kill() {
      current?.close();
    },
  };
}

const HELLO = { result: { agentVersion: "0.1.0", protocolVersion: 1, capabilities: [], simulated: true } };

async function ready(client: AgentClient): Promise<void> {
  client.start();
  for (let i = 0; i < 200 && client.state !== "ready"; i++) await new Promise((r) => setTimeout(r, 5));
  expect(client.state).toBe("ready");
}

describe("AgentClient", () => {
  it("times out a call that gets no answer with COMMAND_TIMEOUT", async () => {
    const client = new AgentClient(
      "h",
      fakeTransport((r) => (r.method === "agent.hello" ? HELLO : undefined)),
    );
    await ready(client);
    await expect(client.call("vm.list", {}, { timeoutMs: 50 })).rejects.toMatchObject({
      code: "COMMAND_TIMEOUT",
    });
    client.stop();
  });

  it("refuses a result that does not match the method's schema with PARSE_ERROR", async () => {
    const client = new AgentClient(
      "h",
      fakeTransport((r) => (r.method === "agent.hello" ? HELLO : { result: { vms: [{ name: 5 }] } })),
    );
    await ready(client);
    await expect(client.call("vm.list", {})).rejects.toMatchObject({ code: "PARSE_ERROR" });
    client.stop();
  });

  it("turns an agent error into the AppError it carries", async () => {
    const data = {
      code: "COMMAND_FAILED",
      message: "xl list exited 1",
      userMessage: "A command on the host failed.",
      details: { argv: ["xl", "list"], exitCode: 1 },
    };
    const client = new AgentClient(
      "h",
      fakeTransport((r) =>
        r.method === "agent.hello" ? HELLO : { error: { code: -32000, message: "x", data } },
      ),
    );
    await ready(client);
    await expect(client.call("vm.list", {})).rejects.toMatchObject({
      code: "COMMAND_FAILED",
      details: { argv: ["xl", "list"], exitCode: 1 },
    });
    client.stop();
  });

  it("refuses an agent speaking another protocol version", async () => {
    const client = new AgentClient(
      "h",
      fakeTransport(() => ({ result: { ...HELLO.result, protocolVersion: 2 } })),
      { initialBackoffMs: 10_000 },
    );
    client.start();
    for (let i = 0; i < 100 && !client.lastError; i++) await new Promise((r) => setTimeout(r, 5));
    expect(client.lastError?.code).toBe("AGENT_VERSION_MISMATCH");
    expect(client.state).toBe("down");
    client.stop();
  });

  it("refuses state-changing methods on an agent of another version, but still reads from it", async () => {
    const old = { result: { ...HELLO.result, agentVersion: "0.0.9" } };
    const client = new AgentClient(
      "h",
      fakeTransport((r) => (r.method === "agent.hello" ? old : { result: { vms: [] } })),
    );
    await ready(client);
    await expect(client.call("vm.list", {})).resolves.toEqual({ vms: [] });
    await expect(client.call("drbd.primary", { resource: "r1", force: false })).rejects.toMatchObject({
      code: "AGENT_VERSION_MISMATCH",
      details: { agentVersion: "0.0.9" },
    });
    client.stop();
  });

  it("delivers valid notifications and drops invalid ones", async () => {
    const transport = fakeTransport((r) => (r.method === "agent.hello" ? HELLO : undefined));
    const client = new AgentClient("h", transport);
    const got: string[] = [];
    client.onNotification((name, params) => got.push(`${name}:${JSON.stringify(params)}`));
    await ready(client);
    transport.push({ jsonrpc: "2.0", method: "vm.changed", params: { vms: "not a list" } });
    transport.push({ jsonrpc: "2.0", method: "vm.changed", params: { vms: [] } });
    transport.push({ jsonrpc: "2.0", method: "unknown.event", params: {} });
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual(['vm.changed:{"vms":[]}']);
    client.stop();
  });

  it("fails pending calls with HOST_UNREACHABLE when the session ends, then reconnects", async () => {
    const transport = fakeTransport((r) => (r.method === "agent.hello" ? HELLO : undefined));
    const client = new AgentClient("h", transport, { initialBackoffMs: 10 });
    await ready(client);
    const pending = client.call("vm.list", {}, { timeoutMs: 5_000 });
    transport.kill();
    await expect(pending).rejects.toMatchObject({ code: "HOST_UNREACHABLE" });
    expect(client.state).not.toBe("ready");
    await ready(client);
    client.stop();
  });
});
