/**
 * S7 over real TLS: a panel serving HTTPS (TANDEM_TLS_CERT/KEY) marks its requests as HTTPS for the API, which then
 * sets the __Host- Secure cookie (tests/integration/auth-sessions.test.ts), and sends HSTS; over plain HTTP a client
 * cannot claim HTTPS by sending the header itself. The certificate is a throwaway one made with openssl.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gateRequest } from "../../lib/auth/gate";
import type { AuthService } from "../../lib/auth/service";

let dir = "";
const servers: http.Server[] = [];
// /api/ paths pass the page gate without asking the account service anything.
const deps = { auth: {} as AuthService };
const echo = (req: http.IncomingMessage, res: http.ServerResponse) =>
  void gateRequest(deps, req, res).then(() =>
    res.end(JSON.stringify({ proto: req.headers["x-tandem-proto"], peer: req.headers["x-tandem-peer"] })),
  );

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-tls-"));
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-keyout",
      path.join(dir, "key.pem"),
      "-out",
      path.join(dir, "cert.pem"),
    ],
    { stdio: "pipe" },
  );
});
afterAll(() => {
  for (const s of servers) s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function listen(server: http.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as { port: number }).port;
}

function get(url: string, headers: Record<string, string> = {}) {
  return new Promise<{ body: Record<string, string>; headers: http.IncomingHttpHeaders }>(
    (resolve, reject) => {
      const lib = url.startsWith("https") ? https : http;
      lib
        .get(url, { headers, rejectUnauthorized: false }, (res) => {
          let text = "";
          res.on("data", (c: Buffer) => (text += c.toString()));
          res.on("end", () =>
            resolve({ body: JSON.parse(text) as Record<string, string>, headers: res.headers }),
          );
        })
        .on("error", reject);
    },
  );
}

describe("HTTPS", () => {
  it("marks requests over TLS as HTTPS and sends HSTS; plain HTTP cannot claim it", async () => {
    const tlsPort = await listen(
      https.createServer(
        {
          cert: fs.readFileSync(path.join(dir, "cert.pem")),
          key: fs.readFileSync(path.join(dir, "key.pem")),
        },
        echo,
      ),
    );
    const secure = await get(`https://127.0.0.1:${tlsPort}/api/farm`);
    expect(secure.body.proto).toBe("https");
    expect(secure.headers["strict-transport-security"]).toMatch(/max-age=\d+/);
    expect(secure.headers["x-frame-options"]).toBe("DENY");

    const plainPort = await listen(http.createServer(echo));
    const forged = await get(`http://127.0.0.1:${plainPort}/api/farm`, {
      "x-tandem-proto": "https",
      "x-tandem-peer": "10.9.9.9",
    });
    expect(forged.body).toEqual({ proto: "http", peer: "127.0.0.1" });
    expect(forged.headers["strict-transport-security"]).toBeUndefined();
  });
});
