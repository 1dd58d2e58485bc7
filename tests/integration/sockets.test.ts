/**
 * S8 and S9 for socket.io: a real socket.io server with the panel's handshake checks (lib/auth/gate.ts) and real
 * clients. Every event is in the table with the least role that receives it; anonymous handshakes and handshakes
 * from a foreign Origin are refused; ended sessions lose their socket at once.
 */
import http from "node:http";
import { Server } from "socket.io";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allowSocketRequest, emitEvent, secureSockets } from "../../lib/auth/gate";
import type { Role } from "../../lib/auth/roles";
import {
  EVENT_PERMISSIONS,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from "../../lib/realtime/events";
import { createTempSimFarm, type TempSimFarm } from "../helpers/sim";
import { startAuthPanel, type AuthPanel } from "../helpers/auth";

/** The least role that receives each event: the specification. */
const EXPECTED: Record<keyof ServerToClientEvents, Role> = {
  "farm:changed": "viewer",
  "job:changed": "viewer",
  "incident:changed": "viewer",
};
const SAMPLE: { [E in keyof ServerToClientEvents]: Parameters<ServerToClientEvents[E]> } = {
  "farm:changed": [
    { kind: "host", host: "xen1" } as unknown as Parameters<ServerToClientEvents["farm:changed"]>[0],
  ],
  "job:changed": [{ jobId: "j1" } as unknown as Parameters<ServerToClientEvents["job:changed"]>[0]],
  "incident:changed": [{ id: "i1", change: "opened" }],
};

let farm: TempSimFarm;
let panel: AuthPanel;
let server: http.Server;
let io: Server<ClientToServerEvents, ServerToClientEvents>;
let url = "";
const clients: Socket[] = [];

beforeAll(async () => {
  farm = createTempSimFarm();
  panel = await startAuthPanel(farm);
  server = http.createServer();
  io = new Server(server, { serveClient: false, allowRequest: allowSocketRequest });
  secureSockets(io, panel.auth);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  for (const c of clients) c.close();
  await io?.close();
  await panel?.stop();
  farm?.remove();
});

/** A client as a browser on the panel's page (same Origin) or elsewhere; resolves connected or with the error. */
function open(headers: Record<string, string>, transports: string[] = ["polling", "websocket"]) {
  const socket = connect(url, { extraHeaders: headers, transports, reconnection: false, timeout: 5000 });
  clients.push(socket);
  return new Promise<{ socket: Socket; error: string | null }>((resolve) => {
    socket.on("connect", () => resolve({ socket, error: null }));
    socket.on("connect_error", (err) => resolve({ socket, error: err.message }));
  });
}
const asBrowser = (cookie?: string, origin = url) => ({
  origin,
  ...(cookie ? { cookie: `tandem_session=${cookie}` } : {}),
});

describe("socket.io handshakes", () => {
  it("declares every event (the table matches the code's)", () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(Object.keys(EVENT_PERMISSIONS).sort());
  });

  it("refuses an anonymous browser and a bad token", async () => {
    expect((await open(asBrowser())).error).toBe("UNAUTHENTICATED");
    expect((await open({ authorization: "Bearer tdm_notatoken0000" })).error).toBe("UNAUTHENTICATED");
  });

  it("refuses a signed-in browser's handshake from a foreign Origin (polling and websocket)", async () => {
    const cookie = await panel.signIn("admin");
    const polling = await open(asBrowser(cookie, "http://evil.example"), ["polling"]);
    expect(polling.error).not.toBeNull();
    const ws = await open(asBrowser(cookie, "http://evil.example"), ["websocket"]);
    expect(ws.error).not.toBeNull();
    const ok = await open(asBrowser(cookie));
    expect(ok.error).toBeNull();
  });

  it("delivers each event to the roles the table names, and to nobody else", async () => {
    const received: Record<string, string[]> = {};
    for (const role of ["viewer", "operator", "admin"] as const) {
      const { socket, error } = await open(asBrowser(await panel.signIn(role)));
      expect(error).toBeNull();
      for (const event of Object.keys(EXPECTED))
        socket.on(event as "farm:changed", () => (received[event] ??= []).push(role));
    }
    const { socket: token, error } = await open({
      authorization: `Bearer ${(await panel.auth.createToken(panel.users.viewer, { name: "ws", role: "viewer" })).token}`,
    });
    expect(error).toBeNull();
    for (const event of Object.keys(EXPECTED))
      token.on(event as "farm:changed", () => (received[event] ??= []).push("token"));
    for (const [event, args] of Object.entries(SAMPLE))
      emitEvent(io, event as "incident:changed", ...(args as [{ id: string; change: "opened" }]));
    // Until every socket had every event (a polling client may take a round trip), then a little longer for strays.
    for (let i = 0; i < 100 && Object.keys(EXPECTED).some((e) => (received[e]?.length ?? 0) < 4); i++)
      await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 200));
    const RANK = { viewer: 1, operator: 2, admin: 3 };
    for (const [event, least] of Object.entries(EXPECTED)) {
      const expected = (["viewer", "operator", "admin"] as const).filter((r) => RANK[r] >= RANK[least]);
      expect((received[event] ?? []).filter((r) => r !== "token").sort(), event).toEqual(
        [...expected].sort(),
      );
      expect(received[event] ?? [], event).toContain("token");
    }
  });

  it("closes the socket of a session that ends (sign-out everywhere, an admin)", async () => {
    const { socket, error } = await open(asBrowser(await panel.signIn("operator")));
    expect(error).toBeNull();
    const closed = new Promise<string>((resolve) => socket.on("disconnect", (reason) => resolve(reason)));
    await panel.auth.endUserSessions(panel.users.operator);
    expect(await closed).toBe("io server disconnect");
  });
});
