/**
 * Onboarded hosts become the farm (issue 8): two real OpenSSH sshds on 127.0.0.1 stand in for two new hosts, each
 * key's forced command running the real agent on one host of a simulated world. `npm start` on a fresh data dir;
 * the administrator onboards both (scan, confirm the fingerprint, the line on the host, test), chooses them as the
 * farm; the panel restarts itself and manages them over SSH. Then one host's key is swapped: the panel refuses it,
 * opens the incident and marks the host, until the administrator confirms the new key (no restart needed).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { afterAll, expect, it } from "vitest";
import { createTempSimFarm, processesWithEnv, waitFor, type TempSimFarm } from "../helpers/sim";
import { createFirstAdmin, panelAnswers, panelApi, spawnPanel } from "../helpers/panel-process";
import type { IncidentView } from "../../lib/monitor/types";
import { findFreePort, startSshd, type SshdHandle } from "../helpers/sshd";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-onboarded-"));
const log = fs.openSync(path.join(dataDir, "panel.log"), "a");
const password = "correct horse battery staple";
let port = 0;
let world: TempSimFarm | undefined;
const sshds: Record<string, SshdHandle> = {};

afterAll(async () => {
  for (const pid of processesWithEnv("TANDEM_DATA_DIR", dataDir))
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // gone
    }
  for (const s of Object.values(sshds)) await s.stop();
  await new Promise((r) => setTimeout(r, 1000));
  world?.remove();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

// Answers are read loosely here; the routes' own tests check their shapes.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;
let cookie = "";
const api = (method: string, p: string, body?: unknown) =>
  panelApi(`http://127.0.0.1:${port}`, () => cookie)<Json>(method, p, body);
const answers = () => panelAnswers(`http://127.0.0.1:${port}`);

/** The key's forced command on the "host": the real agent on that host of the simulated world. */
function forcedCommand(host: string): string {
  const env = world!.agentEnv(host);
  const vars = ["PATH", "TANDEM_SIM_WORLD", "TANDEM_SIM_HOST"].map((k) => `${k}=${env[k]}`);
  return ["env", ...vars, ...world!.agentArgv(host)].join(" ");
}

async function onboard(host: string): Promise<void> {
  const sshd = sshds[host]!;
  const scanned = await api("POST", "/api/onboarding", {
    name: host,
    address: "127.0.0.1",
    port: sshd.port,
    user: sshd.username,
  });
  expect(scanned.status, JSON.stringify(scanned.body)).toBe(201);
  expect(scanned.body.host.presented.fingerprint).toBe(sshd.hostKeySha256);
  const pinned = await api("POST", `/api/onboarding/${host}/pin`, { fingerprint: sshd.hostKeySha256 });
  expect(pinned.status).toBe(200);
  const line = (pinned.body.authorizedKeysLine as string).replace(
    /command="[^"]*"/,
    `command="${forcedCommand(host)}"`,
  );
  fs.appendFileSync(path.join(sshd.dir, "authorized_keys"), line + "\n");
  const tested = await api("POST", `/api/onboarding/${host}/test`);
  expect(tested.status, JSON.stringify(tested.body)).toBe(200);
  expect(tested.body.host.status).toBe("ready");
}

type FarmBody = {
  simulated: boolean;
  hosts: Array<{ name: string; reachable: boolean }>;
  resources: Array<{ name: string; sides: Array<{ host: string; role: string }> }>;
};
const farm = async () => (await api("GET", "/api/farm")).body as FarmBody;

it("two onboarded hosts become the farm: the panel restarts onto them; a swapped key is refused and re-pinned", async () => {
  world = createTempSimFarm();
  sshds.xen1 = await startSshd();
  sshds.xen2 = await startSshd();
  port = await findFreePort();
  spawnPanel({ dataDir, port, log, env: { TANDEM_SIM_SPEED: "20" } });
  await waitFor(answers, 400_000, "the panel to answer");
  const setup = await createFirstAdmin(`http://127.0.0.1:${port}`, "admin", password);
  expect(setup.status).toBe(201);
  cookie = setup.cookie;
  expect((await api("POST", "/api/auth/step-up", { password })).status).toBe(200);
  expect((await api("GET", "/api/farm/source")).body.source).toEqual({ kind: "simulated" });

  // A pair that is not ready is refused, naming the host and the rule; nothing is stored.
  await onboard("xen1");
  const notOnboarded = await api("POST", "/api/farm/source", { hosts: ["xen1", "xen2"] });
  expect(notOnboarded.status).toBe(400);
  expect(notOnboarded.body.error.message).toMatch(/xen2/);
  const badStandby = await api("POST", "/api/farm/source", { hosts: ["xen1", "xen1"], standbyMiB: -1 });
  expect(badStandby.status).toBe(400);
  expect(badStandby.body.error.details.field).toMatch(/hosts|standbyMiB/);
  expect((await api("GET", "/api/farm/source")).body.chosen).toBeNull();
  await onboard("xen2");

  const mounts = Object.values(world.store.read().resources).map((r) => ({
    name: r.name,
    mountPoint: r.mountPoint,
  }));
  // In Chromium, as the administrator would: the pair, the mount points, confirm; the page waits out the restart.
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium" });
  try {
    const context = await browser.newContext({ baseURL: `http://127.0.0.1:${port}`, locale: "en-US" });
    const [name, value] = cookie.split("=") as [string, string];
    await context.addCookies([{ name, value, url: `http://127.0.0.1:${port}` }]);
    const page = await context.newPage();
    await page.goto("/settings/hosts");
    await page.getByTestId("language-switcher").selectOption("en");
    await page.getByTestId("farm-source-host-0").selectOption("xen1");
    await page.getByTestId("farm-source-host-1").selectOption("xen2");
    await page
      .getByTestId("farm-source-mounts")
      .fill(mounts.map((m) => `${m.name} ${m.mountPoint ?? "-"}`).join("\n"));
    await page.getByTestId("farm-source-choose").click();
    await page.getByTestId("farm-source-confirm").click();
    await page.getByTestId("farm-source-restarting").waitFor();
    await page
      .getByTestId("farm-source-current")
      .filter({ hasText: "The onboarded hosts xen1 + xen2" })
      .waitFor({ timeout: 120_000 });
  } finally {
    await browser.close();
  }

  // The same session (sessions are in the database); the farm is now the two hosts over SSH.
  const source = (await api("GET", "/api/farm/source")).body;
  expect(source.source.kind).toBe("onboarded");
  expect(source.source.selection).toEqual({ hosts: ["xen1", "xen2"], standbyMiB: 1024, resources: mounts });
  const view = await waitFor(
    async () => {
      const f = await farm();
      const role = (r: string, h: string) =>
        f.resources.find((x) => x.name === r)?.sides.find((s) => s.host === h)?.role;
      // The world's DRBD as each host's agent reports it over SSH: r1 Primary on xen1, r2 on xen2.
      return f.hosts.every((h) => h.reachable) &&
        role("r1", "xen1") === "Primary" &&
        role("r2", "xen2") === "Primary"
        ? f
        : undefined;
    },
    60_000,
    "both onboarded hosts reached over SSH",
  );
  expect(view.simulated).toBe(false);
  expect(view.hosts.map((h) => h.name).sort()).toEqual(["xen1", "xen2"]);
  const panelLog = () => fs.readFileSync(path.join(dataDir, "panel.log"), "utf8");
  expect(panelLog()).toContain("managing the onboarded hosts xen1 and xen2 over SSH");

  // xen2 is reinstalled (or something else answers at its address): another host key on the same port.
  const installed = fs
    .readFileSync(path.join(sshds.xen2!.dir, "authorized_keys"), "utf8")
    .split("\n")
    .filter((l) => l.includes("tandem-panel@xen2"));
  const xen2Port = sshds.xen2!.port;
  await sshds.xen2!.stop();
  sshds.xen2 = await startSshd({ port: xen2Port, authorizedKeys: installed });
  const incident = await waitFor(
    async () =>
      ((await api("GET", "/api/incidents?open=true")).body as unknown as IncidentView[]).find(
        (i) => i.kind === "host-key-changed" && i.host === "xen2",
      ),
    90_000,
    "the host-key-changed incident for xen2",
  );
  expect(incident.severity).toBe("critical");
  const hosts = async () =>
    (await api("GET", "/api/onboarding")).body.hosts as Array<{ name: string; status: string }>;
  await waitFor(
    async () => (await hosts()).find((h) => h.name === "xen2")?.status === "key-changed",
    10_000,
    "xen2 marked key-changed on the hosts page",
  );
  expect((await farm()).hosts.find((h) => h.name === "xen2")?.reachable).toBe(false);
  expect(sshds.xen2.log()).not.toMatch(/Accepted publickey/); // nothing was sent to the new key's host

  // The administrator compares the new key on the console and confirms it: the farm reaches xen2 again.
  const rescanned = await api("POST", "/api/onboarding/xen2/rescan");
  expect(rescanned.body.changed).toBe(true);
  expect(
    (await api("POST", "/api/onboarding/xen2/pin", { fingerprint: sshds.xen2.hostKeySha256 })).status,
  ).toBe(200);
  await waitFor(
    async () => (await farm()).hosts.find((h) => h.name === "xen2")?.reachable === true,
    60_000,
    "xen2 reached with its new key",
  );
  expect(panelLog()).not.toMatch(/PRIVATE KEY/);

  // Back to the simulated farm: the panel restarts again.
  expect((await api("DELETE", "/api/farm/source")).status).toBe(202);
  await waitFor(async () => !(await answers()), 30_000, "the panel to go down");
  await waitFor(answers, 120_000, "the panel to come back");
  expect((await api("GET", "/api/farm/source")).body.source).toEqual({ kind: "simulated" });
}, 600_000);
