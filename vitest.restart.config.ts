import { defineConfig } from "vitest/config";
import path from "node:path";

// `npm run test:restart`: the panel process itself is killed and started again (`npm start`). Run after the
// end-to-end tests, whose start has built the web app, so that no build runs beside other tests.
export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["tests/restart/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
