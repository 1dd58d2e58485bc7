// Bundles the host agent and the simulator's stand-in tools into single files under dist/.
// dist/agent.mjs is what gets installed on a real host (needs Node.js >= 20 there, see docs/adr/0002).
import { build } from "esbuild";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  logLevel: "warning",
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
};
await Promise.all([
  build({
    ...common,
    entryPoints: [path.join(root, "agents/cli.ts")],
    outfile: path.join(root, "dist/agent.mjs"),
  }),
  build({
    ...common,
    entryPoints: [path.join(root, "agents/sim/tools/main.ts")],
    outfile: path.join(root, "dist/sim-tools.mjs"),
  }),
]);
