import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

// The lab from the browser (`npm run test:lab`, after `npm run lab:up` as root): the panel configured with the
// lab's two hosts (scripts/lab-panel.ts), over real SSH with pinned keys, driven by Debian's Chromium.
const PORT = Number(process.env.TANDEM_LAB_PORT ?? 3126);

export default defineConfig({
  ...base,
  testDir: "tests/lab-browser",
  projects: [{ name: "lab" }],
  use: { ...base.use, baseURL: `http://127.0.0.1:${PORT}` },
  webServer: {
    command: "node --import tsx scripts/lab-panel.ts",
    url: `http://127.0.0.1:${PORT}/api/farm`,
    timeout: 300_000,
    reuseExistingServer: false,
    stdout: "pipe",
    env: { PORT: String(PORT), HOST: "127.0.0.1" },
  },
});
