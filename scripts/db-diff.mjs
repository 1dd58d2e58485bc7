// `npm run db:diff`: the SQL that takes the last committed schema (git HEAD) to prisma/schema.prisma, to save as a new
// migration. (`migrate diff --from-migrations` needs a shadow database, which this Prisma's JS schema engine with a
// driver adapter cannot use here: P3006.)
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const head = spawnSync("git", ["show", "HEAD:prisma/schema.prisma"], { cwd: root, encoding: "utf8" });
if (head.status !== 0) {
  console.error(head.stderr);
  process.exit(1);
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-db-diff-"));
const previous = path.join(dir, "schema.prisma");
fs.writeFileSync(previous, head.stdout);
const r = spawnSync(
  process.execPath,
  [
    "scripts/prisma.mjs",
    "migrate",
    "diff",
    "--from-schema-datamodel",
    previous,
    "--to-schema-datamodel",
    "prisma/schema.prisma",
    "--script",
  ],
  { cwd: root, stdio: "inherit" },
);
fs.rmSync(dir, { recursive: true, force: true });
process.exit(r.status ?? 1);
