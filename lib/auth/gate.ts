/**
 * What server.ts does with every request before Next sees it, and with every socket.io handshake: the request
 * facts only it knows (peer address, HTTPS) as headers a client cannot forge, the security headers, and the page
 * gate: no admin yet → the first-run page; not signed in → the sign-in page. The API does its own checks
 * (lib/api/route.ts), so the gate is for people, not the last line.
 */
import crypto from "node:crypto";
import type http from "node:http";
import type { Server, Socket } from "socket.io";
import { bearerFrom, PEER_HEADER, PROTO_HEADER, sameOrigin, sessionTokenFrom } from "./http";
import type { Permission } from "./roles";
import { permits } from "./roles";
import type { AuthService, Principal } from "./service";
import {
  EVENT_PERMISSIONS,
  roomOf,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from "../realtime/events";

const PUBLIC_PAGES = new Set(["/login", "/setup"]);

function isPagePath(pathname: string): boolean {
  return !(
    pathname.startsWith("/api/") ||
    pathname.startsWith("/_next/") ||
    pathname.startsWith("/socket.io/") ||
    pathname === "/favicon.ico" ||
    pathname === "/robots.txt"
  );
}

/**
 * Strict Content-Security-Policy: scripts only from the panel, and Next's own inline bootstrap only with this
 * response's nonce (Next reads the nonce from the request's CSP header and puts it on its script tags). Styles
 * allow inline attributes (React's style props); nothing may frame the panel.
 */
export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export interface GateDeps {
  auth: AuthService;
}

/**
 * Prepares `req` for Next and answers the redirects of the page gate. Returns true when it answered (a redirect)
 * and Next must not handle the request.
 */
export async function gateRequest(
  deps: GateDeps,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<boolean> {
  for (const name of Object.keys(req.headers)) if (name.startsWith("x-tandem-")) delete req.headers[name];
  req.headers[PEER_HEADER] = req.socket.remoteAddress ?? "unknown";
  const https = "encrypted" in req.socket && req.socket.encrypted === true;
  req.headers[PROTO_HEADER] = https ? "https" : "http";

  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Referrer-Policy", "same-origin");
  res.setHeader("X-Frame-Options", "DENY");
  res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
  res.setHeader("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
  if (https) res.setHeader("Strict-Transport-Security", "max-age=31536000");

  const url = new URL(req.url ?? "/", "http://panel");
  if (!isPagePath(url.pathname)) return false;

  const nonce = crypto.randomBytes(16).toString("base64");
  const csp = contentSecurityPolicy(nonce);
  req.headers["content-security-policy"] = csp;
  res.setHeader("Content-Security-Policy", csp);
  // Pages show the farm: never cached, by the browser or anything between.
  res.setHeader("Cache-Control", "no-store");

  const redirect = (to: string) => {
    res.statusCode = 303;
    res.setHeader("Location", to);
    res.end();
    return true;
  };
  if (!(await deps.auth.adminExists())) return url.pathname === "/setup" ? false : redirect("/setup");
  const token = sessionTokenFrom(req.headers.cookie);
  const principal = token ? await deps.auth.authenticateSession(token) : null;
  if (url.pathname === "/setup") return redirect(principal ? "/" : "/login");
  if (PUBLIC_PAGES.has(url.pathname)) return principal && url.pathname === "/login" ? redirect("/") : false;
  if (!principal) {
    const next = url.pathname + url.search;
    return redirect(next === "/" ? "/login" : `/login?${new URLSearchParams({ next }).toString()}`);
  }
  return false;
}

/** Emits an event to the sockets whose role holds the event's permission (lib/realtime/events.ts). */
export function emitEvent<E extends keyof ServerToClientEvents>(
  io: Server<ClientToServerEvents, ServerToClientEvents>,
  event: E,
  ...args: Parameters<ServerToClientEvents[E]>
): void {
  io.to(roomOf(EVENT_PERMISSIONS[event])).emit(event, ...args);
}

/** socket.io's `allowRequest`: a browser's handshake must come from the panel's own pages; tools send a token. */
export function allowSocketRequest(
  req: http.IncomingMessage,
  callback: (err: string | null, ok: boolean) => void,
) {
  const headers = {
    get: (name: string) => (typeof req.headers[name] === "string" ? (req.headers[name] as string) : null),
  };
  callback(null, bearerFrom(headers.get("authorization")) !== undefined || sameOrigin(headers));
}

interface SocketData {
  principal: Principal;
}

/**
 * Authenticates every socket (session cookie or bearer token), joins it to the room of each event permission
 * its role holds, closes the sockets of ended sessions at once and re-checks every socket each minute (idle and
 * absolute timeouts, revoked tokens, changed roles).
 */
export function secureSockets(
  io: Server<ClientToServerEvents, ServerToClientEvents>,
  auth: AuthService,
): () => void {
  const principalOf = async (socket: Socket): Promise<Principal | null> => {
    const bearer = bearerFrom(socket.handshake.headers.authorization);
    if (bearer === null) return null;
    if (bearer !== undefined) return auth.authenticateToken(bearer);
    const token = sessionTokenFrom(socket.handshake.headers.cookie);
    return token ? auth.authenticateSession(token, { touch: false }) : null;
  };
  io.use((socket, next) => {
    principalOf(socket)
      .then((principal) => {
        if (!principal) return next(new Error("UNAUTHENTICATED"));
        (socket.data as SocketData).principal = principal;
        next();
      })
      .catch(() => next(new Error("UNAUTHENTICATED")));
  });
  const permissions = [...new Set(Object.values(EVENT_PERMISSIONS))] as Permission[];
  io.on("connection", (socket) => {
    const { principal } = socket.data as SocketData;
    for (const p of permissions) if (permits(principal, p)) void socket.join(roomOf(p));
  });
  const unsubscribe = auth.onSessionsEnded((ids) => {
    const ended = new Set(ids);
    for (const socket of io.sockets.sockets.values()) {
      const id = (socket.data as SocketData).principal?.sessionId;
      if (id && ended.has(id)) socket.disconnect(true);
    }
  });
  const timer = setInterval(() => {
    for (const socket of io.sockets.sockets.values()) {
      void principalOf(socket).then((now) => {
        const was = (socket.data as SocketData).principal;
        if (!now || now.role !== was.role) socket.disconnect(true);
      });
    }
  }, 60_000);
  timer.unref();
  return () => {
    unsubscribe();
    clearInterval(timer);
  };
}
