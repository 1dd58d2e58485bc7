/**
 * The panel as a user runs it: `npm start` (scripts/start.mjs: migrations, the web app's build when needed,
 * server.ts) on a data dir, with no configuration file; its first administrator made through the first-run route;
 * and the API called as the panel's own pages call it (same origin, the session cookie). For the restart tests and
 * the benchmarks.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { ROOT } from "./sim";

export function spawnPanel(opts: {
  dataDir: string;
  port: number;
  /** A file descriptor for its output. */
  log: number;
  env?: Record<string, string>;
}): ChildProcess {
  return spawn(process.execPath, ["scripts/start.mjs"], {
    cwd: ROOT,
    stdio: ["ignore", opts.log, opts.log],
    env: {
      ...process.env,
      PORT: String(opts.port),
      HOST: "127.0.0.1",
      TANDEM_DATA_DIR: opts.dataDir,
      TANDEM_CONFIG: path.join(opts.dataDir, "no-config.json"),
      ...opts.env,
    },
  });
}

/** Whether the panel answers (401 until signed in). */
export async function panelAnswers(url: string): Promise<boolean> {
  return [200, 401].includes((await fetch(`${url}/api/farm`).catch(() => null))?.status ?? 0);
}

/** Makes the first administrator on a fresh panel: the answer's status and its session cookie (`name=value`). */
export async function createFirstAdmin(
  url: string,
  username: string,
  password: string,
): Promise<{ status: number; cookie: string }> {
  const setup = await fetch(`${url}/api/auth/setup`, {
    method: "POST",
    headers: { origin: url, "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  return { status: setup.status, cookie: (setup.headers.get("set-cookie") ?? "").split(";")[0]! };
}

/** Calls the API as the panel's pages do: same origin, the cookie `session()` gives at each call. */
export function panelApi(url: string, session: () => string) {
  return async <T = Record<string, unknown>>(method: string, p: string, body?: unknown) => {
    const cookie = session();
    const res = await fetch(`${url}${p}`, {
      method,
      headers: {
        origin: url,
        ...(cookie ? { cookie } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json().catch(() => ({}))) as T };
  };
}
