import { defineConfig } from "@playwright/test";

// End-to-end: `npm start` on a fresh data dir (the simulated farm), driven by Debian's Chromium.
const PORT = Number(process.env.TANDEM_E2E_PORT ?? 3123);
export const E2E_DATA_DIR = ".tmp/e2e-data";

export default defineConfig({
  testDir: "tests/e2e",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 1,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  // First a newcomer creates the first administrator (its session is saved); every other suite runs signed in.
  projects: [
    { name: "first-run", testMatch: /first-run\.spec\.ts/ },
    {
      name: "panel",
      testIgnore: /first-run\.spec\.ts/,
      dependencies: ["first-run"],
      use: { storageState: ".tmp/e2e-state.json" },
    },
  ],
  webServer: {
    command: `rm -rf ${E2E_DATA_DIR} && node scripts/start.mjs`,
    url: `http://127.0.0.1:${PORT}/api/farm`,
    timeout: 300_000,
    reuseExistingServer: false,
    stdout: "pipe",
    env: {
      PORT: String(PORT),
      TANDEM_DATA_DIR: E2E_DATA_DIR,
      HOST: "127.0.0.1",
      TANDEM_CONFIG: ".tmp/no-config.json",
    },
  },
});
