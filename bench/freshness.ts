/**
 * Freshness: the time from a state change in the simulated world (r1's replication link cut, then restored) to the
 * change in the dashboard's DOM, in Chromium, against a 3 s polling client in the same page (how Proxmox refreshes).
 * The panel is `npm start` on a fresh data dir, as a user runs it. Time zero is when the fault request is sent
 * (the world changes while it is answered); both clocks are this machine's.
 */
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { findFreePort } from "../tests/helpers/sshd";
import { createFirstAdmin, panelAnswers, spawnPanel } from "../tests/helpers/panel-process";
import { ratioOf, summarize, type BenchResult } from "./stats";

const PASSWORD = "a benchmark's long password";

export async function startPanel(env: Record<string, string> = {}): Promise<{
  url: string;
  cookie: string;
  panel: ChildProcess;
  dataDir: string;
  stop: () => Promise<void>;
}> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-bench-"));
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  const log = fs.openSync(path.join(dataDir, "panel.log"), "a");
  const panel = spawnPanel({ dataDir, port, log, env });
  const deadline = Date.now() + 400_000;
  while (!(await panelAnswers(url))) {
    if (Date.now() > deadline || panel.exitCode !== null)
      throw new Error(`the panel did not start (${dataDir})`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const setup = await createFirstAdmin(url, "bench", PASSWORD);
  if (setup.status !== 201) throw new Error(`setup: ${setup.status}`);
  const cookie = setup.cookie;
  return {
    url,
    cookie,
    panel,
    dataDir,
    stop: async () => {
      panel.kill("SIGTERM");
      await new Promise((r) => panel.once("exit", r));
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function benchFreshness(opts: { changes: number }): Promise<BenchResult> {
  const p = await startPanel({ TANDEM_SIM_SPEED: "20" });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium" });
  const dom: number[] = [];
  const polled: number[] = [];
  try {
    const context = await browser.newContext({ baseURL: p.url });
    const [name, value] = p.cookie.split("=") as [string, string];
    await context.addCookies([{ name, value, url: p.url }]);
    const page = await context.newPage();
    await page.goto("/");
    const bar = page.getByTestId("resource-r1").getByTestId("connection").locator("div").first();
    await bar.waitFor({ timeout: 60_000 });
    // Wait for a settled farm: r1 connected.
    await page.waitForFunction(
      () => !!document.querySelector('[data-testid="resource-r1"] .bg-emerald-500'),
      null,
      {
        timeout: 60_000,
      },
    );
    // The baseline: a client in the same page that reads the farm every 3 s and notes when it first sees a state.
    await page.evaluate(() => {
      const w = window as unknown as { seen: Record<string, number>; poll: number };
      w.seen = {};
      w.poll = window.setInterval(() => {
        void fetch("/api/farm", { cache: "no-store" })
          .then((r) => r.json())
          .then((f: { resources: Array<{ name: string; sides: Array<{ connection: string }> }> }) => {
            const r1 = f.resources.find((r) => r.name === "r1");
            const state = r1?.sides.every((s) => s.connection === "Connected") ? "up" : "down";
            w.seen[state] ??= Date.now();
          });
      }, 3000);
    });
    const post = (action: string) =>
      fetch(`${p.url}/api/sim/faults`, {
        method: "POST",
        headers: { origin: p.url, cookie: p.cookie, "content-type": "application/json" },
        body: JSON.stringify({ action, resource: "r1" }),
      });
    for (let i = 0; i < opts.changes; i++) {
      const cut = i % 2 === 0;
      const want = cut ? "down" : "up";
      await page.evaluate((s) => {
        delete (window as unknown as { seen: Record<string, number> }).seen[s];
      }, want);
      // A random moment relative to the poller's phase.
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 1500));
      const t0 = Date.now();
      const res = await post(cut ? "cut-link" : "restore-link");
      if (!res.ok) throw new Error(`fault: ${res.status} ${await res.text()}`);
      const seenAt = await page.waitForFunction(
        (isCut) => {
          const ok = !!document.querySelector(
            `[data-testid="resource-r1"] .${isCut ? "bg-red-400" : "bg-emerald-500"}`,
          );
          return ok ? Date.now() : false;
        },
        cut,
        { timeout: 30_000, polling: "raf" },
      );
      dom.push(Number(await seenAt.jsonValue()) - t0);
      const polledAt = await page.waitForFunction(
        (s) => (window as unknown as { seen: Record<string, number> }).seen[s] ?? false,
        want,
        { timeout: 30_000, polling: 100 },
      );
      polled.push(Number(await polledAt.jsonValue()) - t0);
    }
  } finally {
    await browser.close();
    await p.stop();
  }
  const t = summarize(dom);
  const b = summarize(polled);
  return {
    name: "freshness",
    title: "Freshness: a DRBD state change in the world to the dashboard's DOM (Chromium)",
    unit: "ms",
    tandem: t,
    baseline: { ...b, label: "a client polling /api/farm every 3 s in the same page" },
    ratio: ratioOf(t, b),
    target: { text: "p95 <= 500 ms and p99 <= 1000 ms", met: t.p95 <= 500 && t.p99 <= 1000 },
    notes: [`${opts.changes} changes (r1's link cut and restored in turn), simulation speed 20x`],
  };
}
