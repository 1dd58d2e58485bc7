import { defineConfig } from "vitest/config";
import path from "node:path";

// `npm run test:lab`: the tests that need the two-host lab (`npm run lab:up`, root).
export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["tests/lab/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
