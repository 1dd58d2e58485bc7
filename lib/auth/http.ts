/**
 * The session cookie and the request facts the panel's own server adds (peer address, HTTPS), shared by server.ts
 * (pages, socket.io) and the API wrapper. server.ts deletes any `x-tandem-*` header a client sent before setting
 * its own, so these cannot be forged.
 */
export const SESSION_COOKIE = "tandem_session";
/** Over HTTPS the cookie is `__Host-` prefixed: Secure, host-only, Path=/ (browsers enforce it). */
export const SECURE_SESSION_COOKIE = "__Host-tandem_session";

export const PEER_HEADER = "x-tandem-peer";
export const PROTO_HEADER = "x-tandem-proto";

export function parseCookies(header: string | null | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (name && !out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

/** The session token from a Cookie header (the secure cookie wins), or null. */
export function sessionTokenFrom(cookieHeader: string | null | undefined): string | null {
  const cookies = parseCookies(cookieHeader);
  const value = cookies.get(SECURE_SESSION_COOKIE) ?? cookies.get(SESSION_COOKIE);
  return value && /^[A-Za-z0-9_-]{20,100}$/.test(value) ? value : null;
}

/** Set-Cookie for a new session: HttpOnly, SameSite=Strict, and Secure with the `__Host-` name over HTTPS. */
export function sessionCookie(token: string, secure: boolean, maxAgeSec: number): string {
  const name = secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
  return `${name}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSec}${secure ? "; Secure" : ""}`;
}

/** Set-Cookie headers that remove the session cookie (both names). */
export function clearSessionCookies(secure: boolean): string[] {
  return [
    `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`,
    ...(secure ? [`${SECURE_SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure`] : []),
  ];
}

/** The bearer token of an Authorization header; undefined without one, null when malformed. */
export function bearerFrom(header: string | null | undefined): string | null | undefined {
  if (!header) return undefined;
  const m = /^Bearer ([A-Za-z0-9_-]{10,200})$/.exec(header.trim());
  return m ? (m[1] ?? null) : null;
}

/**
 * Whether a browser request comes from the panel's own pages: browsers send `Sec-Fetch-Site` and `Origin` on
 * cross-site requests. Fails closed: a request carrying neither is not same-origin (every current browser sends
 * `Origin` on POST, PUT and DELETE).
 */
export function sameOrigin(headers: { get(name: string): string | null }): boolean {
  const site = headers.get("sec-fetch-site");
  const origin = headers.get("origin");
  const host = headers.get("host");
  if (site !== null && site !== "same-origin") return false;
  if (origin !== null) return host !== null && origin.replace(/^https?:\/\//, "") === host;
  return site === "same-origin";
}
