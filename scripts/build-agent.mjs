// Bundles the host agent and the simulator's stand-in tools into single files under agents/dist/.
// agents/dist/tandem-agent.js is what gets installed on a real host: one CommonJS file, plain `node` (>= 18),
// no node_modules (docs/adr/0002). agents/dist/package.json marks the folder CommonJS inside this ESM project.
import { build } from "esbuild";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// TANDEM_AGENT_OUTDIR: build elsewhere (the reproducibility test builds twice without touching agents/dist).
const outdir = process.env.TANDEM_AGENT_OUTDIR
  ? path.resolve(process.env.TANDEM_AGENT_OUTDIR)
  : path.join(root, "agents", "dist");
fs.mkdirSync(outdir, { recursive: true });
fs.writeFileSync(path.join(outdir, "package.json"), '{ "type": "commonjs" }\n');
const common = {
  bundle: true,
  platform: "node",
  target: "node18",
  format: "cjs",
  logLevel: "warning",
  banner: { js: "#!/usr/bin/env node" },
};
await Promise.all([
  build({
    ...common,
    entryPoints: [path.join(root, "agents/cli.ts")],
    outfile: path.join(outdir, "tandem-agent.js"),
  }),
  build({
    ...common,
    entryPoints: [path.join(root, "agents/sim/tools/main.ts")],
    outfile: path.join(outdir, "sim-tools.js"),
  }),
]);
