import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { E2E_DATA_DIR } from "../../playwright.config";

const TABLE_3: Record<string, [string, number]> = {
  lvs1: ["xen1", 512],
  admin1: ["xen1", 1024],
  db1: ["xen1", 1024],
  "web-ssl1": ["xen1", 1024],
  mail1: ["xen1", 1024],
  irc1: ["xen1", 512],
  cron1: ["xen1", 1024],
  lvs2: ["xen2", 512],
  admin2: ["xen2", 1024],
  web1: ["xen2", 2048],
  "web-ssl2": ["xen2", 1024],
  mail2: ["xen2", 1024],
  ftp1: ["xen2", 512],
};

/** Acts on the simulated world as an administrator on `host` would, through the stand-in tools. */
function onHost(host: string, ...argv: string[]): void {
  const result = spawnSync(process.execPath, [path.resolve("agents/dist/sim-tools.js"), ...argv], {
    env: { ...process.env, TANDEM_SIM_WORLD: path.resolve(E2E_DATA_DIR, "sim"), TANDEM_SIM_HOST: host },
    encoding: "utf8",
  });
  expect(result.status, `${host}: ${argv.join(" ")}: ${result.stderr}`).toBe(0);
}

/**
 * Milliseconds from the world's change (the stand-in tool's write of the world file, by its mtime) until
 * the element's text contains `text`, checked on every animation frame in the page (Playwright's own
 * retries back off to 1 s and would blur this).
 */
async function timeToPage(page: Page, testId: string, text: string, act: () => void): Promise<number> {
  const seen = page.waitForFunction(
    ([id, t]) => document.querySelector(`[data-testid="${id}"]`)?.textContent?.includes(t) ?? false,
    [testId, text] as const,
    { polling: "raf", timeout: 5_000 },
  );
  act();
  const changedAt = fs.statSync(path.resolve(E2E_DATA_DIR, "sim", "world.json")).mtimeMs;
  await seen;
  return Math.round(Date.now() - changedAt);
}

test("GET /api/farm answers with the simulated MozillaGumi farm", async ({ request }) => {
  await expect
    .poll(
      async () =>
        (await (await request.get("/api/farm")).json()).hosts.map(
          (h: { reachable: boolean; memory: unknown }) => h.reachable && h.memory !== null,
        ),
      {
        timeout: 20_000,
      },
    )
    .toEqual([true, true]);
  const body = await (await request.get("/api/farm")).json();
  expect(body.simulated).toBe(true);
  expect(body.hosts.map((h: { name: string; hypervisor: string }) => `${h.name}:${h.hypervisor}`)).toEqual([
    "xen1:xen-xl",
    "xen2:xen-xl",
  ]);
  expect(body.hosts[0].memory).toEqual({ totalMiB: 8192, usedMiB: 7168, freeMiB: 1024, standbyMiB: 1024 });
  expect(body.resources.map((r: { name: string; minor: number }) => [r.name, r.minor])).toEqual([
    ["r1", 1],
    ["r2", 2],
    ["r3", 3],
    ["r4", 4],
  ]);
  const roles = Object.fromEntries(
    body.resources.map((r: { name: string; sides: Array<{ host: string; role: string }> }) => [
      r.name,
      r.sides.map((s) => `${s.host}:${s.role}`).join(" "),
    ]),
  );
  expect(roles).toEqual({
    r1: "xen1:Primary xen2:Secondary",
    r2: "xen1:Secondary xen2:Primary",
    r3: "xen1:Primary xen2:Secondary",
    r4: "xen1:Secondary xen2:Secondary",
  });
  expect(body.vms).toHaveLength(13);
  for (const vm of body.vms) {
    expect(TABLE_3[vm.name], vm.name).toEqual([vm.host, vm.maxMemoryMiB]);
    expect(vm).toMatchObject({
      state: "running",
      memoryMiB: vm.maxMemoryMiB,
      resource: vm.host === "xen1" ? "r1" : "r2",
    });
  }
});

test("a bad query parameter is refused with the field named", async ({ request }) => {
  const res = await request.get("/api/farm?verbose=yes");
  expect(res.status()).toBe(400);
  expect((await res.json()).error).toMatchObject({
    code: "VALIDATION_FAILED",
    details: { field: "verbose" },
  });
});

test("the dashboard shows both hosts, four resources and the 13 VMs, and follows changes live", async ({
  page,
}) => {
  await page.goto("/");
  await expect(page.getByTestId("simulated-banner")).toBeVisible();
  await expect(page.getByTestId("live-indicator")).toHaveText(/Live/);
  for (const host of ["xen1", "xen2"])
    await expect(page.getByTestId(`host-${host}-status`)).toContainText("Reachable");
  for (const r of ["r1", "r2", "r3", "r4"]) await expect(page.getByTestId(`resource-${r}`)).toBeVisible();
  for (const [vm, [host]] of Object.entries(TABLE_3)) {
    await expect(page.getByTestId(`host-${host}`).getByTestId(`vm-${vm}`)).toBeVisible();
  }
  await expect(page.getByTestId("vm-web1-memory")).toHaveText("2048 / 2048 MiB");
  await expect(page.getByTestId("resource-r1").getByTestId("side-xen1").getByTestId("role")).toHaveText(
    "Primary",
  );
  await expect(page.getByTestId("resource-r2").getByTestId("side-xen1").getByTestId("role")).toHaveText(
    "Secondary",
  );

  // A VM stops on xen2: the open page shows it without a reload, within about a second.
  const navigations: string[] = [];
  page.on("framenavigated", (f) => navigations.push(f.url()));
  const vmLatency = await timeToPage(page, "vm-ftp1-state", "shutoff", () =>
    onHost("xen2", "xl", "destroy", "ftp1"),
  );
  await expect(page.getByTestId("memory-xen2")).toContainText("free 512 MiB");

  // DRBD: xen1 disconnects r2; both sides' view of the link changes.
  const drbdLatency = await timeToPage(page, "resource-r2", "StandAlone", () =>
    onHost("xen1", "drbdadm", "disconnect", "r2"),
  );
  onHost("xen1", "drbdadm", "connect", "r2");
  await expect(page.getByTestId("resource-r2").getByTestId("connection")).toHaveText(/Connected/);

  // A full resync of r3 towards xen2 shows progress and ETA.
  onHost("xen2", "drbdadm", "invalidate", "r3");
  await expect(page.getByTestId("resource-r3").getByTestId("sync")).toContainText(/Syncing \d+\.\d %/);
  await expect(page.getByTestId("resource-r3").getByTestId("sync")).toContainText(/left/);
  await expect(page.getByTestId("resource-r3").getByTestId("side-xen2").getByTestId("disk")).toHaveText(
    "Inconsistent",
  );

  expect(navigations).toEqual([]);
  console.log(
    `freshness: vm change ${vmLatency} ms, drbd change ${drbdLatency} ms (from the change of the world file to the page)`,
  );
  test.info().annotations.push({
    type: "latency",
    description: `vm change ${vmLatency} ms, drbd change ${drbdLatency} ms (includes spawning the tool)`,
  });
});
