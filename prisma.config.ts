import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";

// Used by the Prisma CLI only (migrate deploy / diff). The app builds its own client in lib/db.ts.
export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  adapter: async () =>
    new PrismaBetterSQLite3({
      url:
        process.env.DATABASE_URL ??
        `file:${path.resolve(process.env.TANDEM_DATA_DIR ?? "./data", "tandem.db")}`,
    }),
});
