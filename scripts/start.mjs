// `npm start`: bundle the agent, apply database migrations, build the Next app when its sources
// changed, then run server.ts (Next + socket.io + the farm service) in one process.
import { spawn, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const run = (argv, env = {}) => {
  const r = spawnSync(argv[0], argv.slice(1), {
    stdio: "inherit",
    cwd: root,
    env: { ...process.env, ...env },
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

run([process.execPath, "scripts/build-agent.mjs"]);
run([process.execPath, "scripts/prisma.mjs", "migrate", "deploy"]);

const SOURCES = [
  "app",
  "components",
  "lib",
  "agents/protocol",
  "next.config.js",
  "postcss.config.mjs",
  "package-lock.json",
  "tsconfig.json",
];
function hashSources() {
  const hash = crypto.createHash("sha256");
  const walk = (p) => {
    const full = path.join(root, p);
    if (!fs.existsSync(full)) return;
    if (fs.statSync(full).isDirectory())
      for (const name of fs.readdirSync(full).sort()) walk(path.join(p, name));
    else hash.update(p).update(fs.readFileSync(full));
  };
  SOURCES.forEach(walk);
  return hash.digest("hex");
}
const stamp = path.join(root, ".next", "tandem-sources.sha256");
const current = hashSources();
if (
  !fs.existsSync(path.join(root, ".next", "BUILD_ID")) ||
  !fs.existsSync(stamp) ||
  fs.readFileSync(stamp, "utf8") !== current
) {
  console.log("[tandem] building the web app (first start or sources changed)…");
  run([process.execPath, "node_modules/next/dist/bin/next", "build"], { NEXT_TELEMETRY_DISABLED: "1" });
  fs.writeFileSync(stamp, current);
}

// server.ts exits with 75 to be started again (an administrator switched the farm to onboarded hosts).
const RESTART = 75;
let child;
let stopping = false;
function serve() {
  child = spawn(process.execPath, ["--import", "tsx", "server.ts"], {
    stdio: "inherit",
    cwd: root,
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", TANDEM_SUPERVISED: "1" },
  });
  child.on("exit", (code, signal) => {
    if (code === RESTART && !stopping) serve();
    else process.exit(code ?? (signal ? 1 : 0));
  });
}
serve();
for (const sig of ["SIGINT", "SIGTERM"])
  process.on(sig, () => {
    stopping = true;
    child.kill(sig);
  });
