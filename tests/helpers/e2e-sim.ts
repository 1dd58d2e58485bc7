/**
 * The e2e suites act on the simulated world as an administrator on a host would, through the stand-in tools
 * (agents/dist/sim-tools.js) on the world of the panel under test.
 */
import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { expect } from "@playwright/test";
import { E2E_DATA_DIR } from "../../playwright.config";

const toolEnv = (host: string) => ({
  ...process.env,
  TANDEM_SIM_WORLD: path.resolve(E2E_DATA_DIR, "sim"),
  TANDEM_SIM_HOST: host,
});

/** Runs a stand-in tool on `host`; fails the test if it exits non-zero. */
export function onHost(host: string, ...argv: string[]): void {
  const result = spawnSync(process.execPath, [path.resolve("agents/dist/sim-tools.js"), ...argv], {
    env: toolEnv(host),
    encoding: "utf8",
  });
  expect(result.status, `${host}: ${argv.join(" ")}: ${result.stderr}`).toBe(0);
}

/** Like onHost, without waiting: resolves with the tool's exit code. */
export function onHostInBackground(host: string, ...argv: string[]): Promise<number | null> {
  const child = spawn(process.execPath, [path.resolve("agents/dist/sim-tools.js"), ...argv], {
    env: toolEnv(host),
    stdio: "ignore",
  });
  return new Promise((resolve) => child.on("exit", resolve));
}
