// The panel on the two-host lab (`npm run lab:up` first): writes a tandem.config.json naming the lab's hosts
// (their addresses, the panel's key, their pinned host keys), sets the lab's simulated time to 10x, and runs
// `npm start` on it. Used by the lab's browser test (playwright.lab.config.ts); also by hand:
//   PORT=3150 node --import tsx scripts/lab-panel.ts
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { WorldStore } from "../agents/sim/store";

const root = path.resolve(import.meta.dirname, "..");
const labFile = path.join(root, ".tmp/lab/lab.json");
if (!fs.existsSync(labFile)) {
  console.error("lab-panel: no lab: run `npm run lab:up` first (as root)");
  process.exit(2);
}
const lab = JSON.parse(fs.readFileSync(labFile, "utf8")) as {
  simDir: string;
  clientKey: string;
  user: string;
  hosts: Array<{ name: string; address: string; hostKeySha256: string }>;
};
const dir = path.join(root, ".tmp/lab/panel");
fs.rmSync(dir, { recursive: true, force: true });
fs.mkdirSync(dir, { recursive: true });
const config = path.join(dir, "tandem.config.json");
fs.writeFileSync(
  config,
  JSON.stringify(
    {
      hosts: lab.hosts.map((h) => ({
        name: h.name,
        address: h.address,
        user: lab.user,
        privateKeyPath: lab.clientKey,
        hostKeySha256: h.hostKeySha256,
        // The lab's sshd runs the agent as the key's forced command, whatever is asked.
        agentCommand: ["tandem-agent"],
      })),
      resources: [
        { name: "r1", mountPoint: "/srv/r1" },
        { name: "r2", mountPoint: "/srv/r2" },
        { name: "r3", mountPoint: "/srv/r3" },
        { name: "r4", mountPoint: null },
      ],
    },
    null,
    2,
  ),
);
new WorldStore(lab.simDir).setSpeed(10);
const child = spawn(process.execPath, [path.join(root, "scripts/start.mjs")], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, TANDEM_DATA_DIR: path.join(dir, "data"), TANDEM_CONFIG: config },
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
child.on("exit", (code) => process.exit(code ?? 1));
