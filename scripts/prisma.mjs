// Runs the Prisma CLI offline: Prisma 6.19 with the JS schema engine still probes for native engines,
// so point it at harmless existing files instead of letting it try to download them
// (../shared/guides/stack-notes.md, checked 2026-11 with prisma 6.19.3).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dummyDir = path.join(root, "node_modules", ".tandem-prisma");
fs.mkdirSync(dummyDir, { recursive: true });
const dummyEngine = path.join(dummyDir, "schema-engine");
const dummyLib = path.join(dummyDir, "query-engine.so.node");
for (const f of [dummyEngine, dummyLib]) if (!fs.existsSync(f)) fs.writeFileSync(f, "");

const args = process.argv.slice(2);
// The driver adapter opens the database even for `migrate diff`; its directory must exist.
if (!process.env.DATABASE_URL)
  fs.mkdirSync(path.resolve(process.env.TANDEM_DATA_DIR ?? "./data"), { recursive: true });
const result = spawnSync(process.execPath, [path.join(root, "node_modules/prisma/build/index.js"), ...args], {
  stdio: "inherit",
  cwd: root,
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: dummyEngine,
    PRISMA_QUERY_ENGINE_LIBRARY: dummyLib,
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
    CHECKPOINT_DISABLE: "1",
  },
});
process.exit(result.status ?? 1);
