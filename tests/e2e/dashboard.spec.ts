import fs from "node:fs";
import path from "node:path";
import type { APIRequestContext, Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { InvariantChecker } from "../../agents/sim/invariants";
import { E2E_DATA_DIR } from "../../playwright.config";
import { jobStatus } from "../helpers/jobs-api";
import { onHost, onHostInBackground } from "../helpers/e2e-sim";

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

// The farm the suite drove must not have broken a safety invariant (agents/sim/invariants.ts): the events of the
// whole run and the final state, as GET /api/sim/world returns them.
test.afterAll(async ({ request }) => {
  const checker = new InvariantChecker();
  checker.observe(await (await request.get("/api/sim/world")).json());
  expect(checker.violations).toEqual([]);
});

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

test("install/upgrade agent: refused for a simulated host, an unknown host, a bad name and a cross-site page", async ({
  request,
}) => {
  const simulated = await request.post("/api/hosts/xen1/agent");
  expect(simulated.status()).toBe(409);
  expect((await simulated.json()).error.code).toBe("CONFLICT");
  const unknown = await request.post("/api/hosts/xen9/agent");
  expect(unknown.status()).toBe(404);
  const bad = await request.post("/api/hosts/x%3Brm%20-rf/agent");
  expect(bad.status()).toBe(400);
  expect((await bad.json()).error.details).toMatchObject({ field: "name", rule: "must be a host name" });
  const crossSite = await request.post("/api/hosts/xen1/agent", {
    headers: { origin: "http://evil.example", "sec-fetch-site": "cross-site" },
  });
  expect(crossSite.status()).toBe(403);
  expect((await crossSite.json()).error.code).toBe("FORBIDDEN");
});

test("VM settings for failover: stored through the API and the page, refused when out of range; the N+1 check per host", async ({
  page,
  request,
}) => {
  const capacity = await (await request.get("/api/capacity")).json();
  expect(
    capacity.map((c: { host: string; from: string; fits: boolean }) => [c.host, c.from, c.fits]),
  ).toEqual([
    ["xen1", "xen2", true],
    ["xen2", "xen1", true],
  ]);
  const tooBig = await request.put("/api/vms/ftp1/policy", { data: { minMiB: 4096 } });
  expect(tooBig.status()).toBe(400);
  expect((await tooBig.json()).error.details).toMatchObject({ field: "minMiB" });
  const badField = await request.put("/api/vms/ftp1/policy", { data: { weight: 3 } });
  expect((await badField.json()).error.details).toMatchObject({
    field: "weight",
    rule: "is not a known field",
  });

  await page.goto("/");
  await page.getByTestId("language-switcher").selectOption("en");
  await expect(page.getByTestId("capacity-xen2")).toContainText("every required VM of it would start here");
  await page.goto("/vms");
  const row = page.getByTestId("vm-policy-ftp1");
  await row.getByTestId("policy-priority").fill("95");
  await row.getByTestId("policy-save").click();
  await expect(row).toContainText("Saved.");
  const stored = await (await request.get("/api/vms/policies")).json();
  expect(stored.find((v: { name: string }) => v.name === "ftp1")).toMatchObject({
    priority: 95,
    own: { priority: 95 },
  });
  // Back to the default policy: the failover at the end of this suite plans with the defaults.
  await request.put("/api/vms/ftp1/policy", { data: { priority: null } });
});

/** What the main path reads and does in each language (different VMs and resources, so both runs see a change). */
const MAIN_PATH = {
  en: {
    live: /^Live$/,
    reachable: "Reachable",
    vm: { name: "ftp1", host: "xen2" },
    freeAfter: "free 512 MiB",
    disconnect: "r2",
    resync: { resource: "r4", target: "xen2" }, // r1 and r3 stay in sync: the last test fails them over
    syncing: /Syncing \d+\.\d %/,
    left: /left/,
    primaryHelp:
      "This side is in use: it can be mounted and its VMs can run. Writes are replicated to the peer.",
  },
  ja: {
    live: /^ライブ$/,
    reachable: "到達可能",
    vm: { name: "irc1", host: "xen1" },
    freeAfter: "空き 512 MiB",
    disconnect: "r4",
    resync: { resource: "r2", target: "xen1" },
    syncing: /同期中 \d+\.\d %/,
    left: /残り/,
    primaryHelp: "使用中の側です。マウントでき、VM を動かせます。書き込みは相手側へ複製されます。",
  },
} as const;

/**
 * Latin-script words allowed in Japanese text: product, tool, file and unit names that Japanese writes in
 * Latin letters too, and the farm's own names (hosts, VMs, resources) when a sentence mentions them.
 */
const LATIN_IN_JAPANESE = new Set([
  ...["Tandem", "DRBD", "VM", "CPU", "MiB", "GiB", "README", "tandem.config.json", "N" /* N+1 */],
  ...["Xen", "KVM", "xl", "xm", "xend", "libvirt", "virsh", "SSH"],
  ...["xen1", "xen2", "r1", "r2", "r3", "r4", ...Object.keys(TABLE_3)],
]);

/**
 * Every piece of text a person reads on the page (text, title, aria-label, alt, placeholder), leaving out what
 * is marked translate="no": host, VM and resource names, device paths, and the DRBD/hypervisor words.
 */
async function readableText(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const untranslated = (el: Element | null) => el?.closest('[translate="no"]') != null;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const parent = n.parentElement;
      if (!parent || untranslated(parent) || parent.closest("script,style,template")) continue;
      if (n.textContent?.trim()) out.push(n.textContent.trim());
    }
    for (const el of document.body.querySelectorAll("[title],[aria-label],[alt],[placeholder]"))
      for (const attr of ["title", "aria-label", "alt", "placeholder"]) {
        const v = el.getAttribute(attr);
        if (v?.trim() && !(attr !== "title" && untranslated(el))) out.push(v.trim());
      }
    out.push(document.title);
    return out;
  });
}

for (const locale of ["en", "ja"] as const) {
  const plan = MAIN_PATH[locale];
  test(`[${locale}] the dashboard shows both hosts, four resources and the 13 VMs, and follows changes live`, async ({
    page,
  }) => {
    await page.goto("/");
    if (locale === "ja") {
      // Chosen in the page, as a user does; the choice survives a reload.
      await page.getByTestId("language-switcher").selectOption("ja");
      await expect(page.locator("html")).toHaveAttribute("lang", "ja");
      await page.reload();
    }
    await expect(page.locator("html")).toHaveAttribute("lang", locale);
    await expect(page.getByTestId("simulated-banner")).toBeVisible();
    await expect(page.getByTestId("live-indicator")).toHaveText(plan.live);
    for (const host of ["xen1", "xen2"])
      await expect(page.getByTestId(`host-${host}-status`)).toContainText(plan.reachable);
    for (const r of ["r1", "r2", "r3", "r4"]) await expect(page.getByTestId(`resource-${r}`)).toBeVisible();
    for (const [vm, [host]] of Object.entries(TABLE_3)) {
      await expect(page.getByTestId(`host-${host}`).getByTestId(`vm-${vm}`)).toBeVisible();
    }
    await expect(page.getByTestId("vm-web1-memory")).toHaveText("2,048 / 2,048 MiB");
    const r1Primary = page.getByTestId("resource-r1").getByTestId("side-xen1").getByTestId("role");
    // DRBD's words stay as drbdadm prints them; the explanation on hover is in the reader's language.
    await expect(r1Primary).toHaveText("Primary");
    await expect(r1Primary.locator("abbr")).toHaveAttribute("title", plan.primaryHelp);
    await expect(page.getByTestId("resource-r2").getByTestId("side-xen1").getByTestId("role")).toHaveText(
      "Secondary",
    );
    await page.screenshot({ path: test.info().outputPath(`dashboard-${locale}.png`), fullPage: true });

    if (locale === "ja") {
      const english = (await readableText(page))
        .flatMap((text) => text.match(/[A-Za-z][A-Za-z0-9._-]*/g) ?? [])
        .filter((word) => !LATIN_IN_JAPANESE.has(word));
      expect(english, "English words on the Japanese page").toEqual([]);
    }

    // A VM stops: the open page shows it without a reload, within about a second.
    const navigations: string[] = [];
    page.on("framenavigated", (f) => navigations.push(f.url()));
    const vmLatency = await timeToPage(page, `vm-${plan.vm.name}-state`, "shutoff", () =>
      onHost(plan.vm.host, "xl", "destroy", plan.vm.name),
    );
    await expect(page.getByTestId(`memory-${plan.vm.host}`)).toContainText(plan.freeAfter);

    // It boots again with simulated time: xl builds the domain (paused, 2 s), then it runs.
    const cfg = path.resolve(E2E_DATA_DIR, "sim", "hosts", plan.vm.host, "etc", "xen", `${plan.vm.name}.cfg`);
    const created = onHostInBackground(plan.vm.host, "xl", "create", cfg);
    await expect(page.getByTestId(`vm-${plan.vm.name}-state`)).toContainText("paused");
    await expect(page.getByTestId(`vm-${plan.vm.name}-state`)).toContainText("running");
    expect(await created).toBe(0);
    await expect(page.getByTestId(`memory-${plan.vm.host}`)).not.toContainText(plan.freeAfter);

    // DRBD: xen1 disconnects a resource; both sides' view of the link changes.
    const drbdLatency = await timeToPage(page, `resource-${plan.disconnect}`, "StandAlone", () =>
      onHost("xen1", "drbdadm", "disconnect", plan.disconnect),
    );
    onHost("xen1", "drbdadm", "connect", plan.disconnect);
    await expect(page.getByTestId(`resource-${plan.disconnect}`).getByTestId("connection")).toHaveText(
      /Connected/,
    );

    // A full resync shows progress and ETA in the reader's language.
    const { resource, target } = plan.resync;
    onHost(target, "drbdadm", "invalidate", resource);
    await expect(page.getByTestId(`resource-${resource}`).getByTestId("sync")).toContainText(plan.syncing);
    await expect(page.getByTestId(`resource-${resource}`).getByTestId("sync")).toContainText(plan.left);
    await expect(
      page.getByTestId(`resource-${resource}`).getByTestId(`side-${target}`).getByTestId("disk"),
    ).toHaveText("Inconsistent");
    await page.screenshot({
      path: test.info().outputPath(`dashboard-${locale}-syncing.png`),
      fullPage: true,
    });

    expect(navigations).toEqual([]);
    console.log(
      `[${locale}] freshness: vm change ${vmLatency} ms, drbd change ${drbdLatency} ms (from the change of the world file to the page)`,
    );
    test.info().annotations.push({
      type: "latency",
      description: `vm change ${vmLatency} ms, drbd change ${drbdLatency} ms (includes spawning the tool)`,
    });
  });
}

test("faults from the simulation API: a host powered off shows as unreachable, its peer's DRBD waits; power-on brings it back", async ({
  page,
  request,
}) => {
  const bad = await request.post("/api/sim/faults", { data: { action: "power-off", host: "xen9" } });
  expect(bad.status()).toBe(400);
  expect((await bad.json()).error.details).toMatchObject({ field: "host" });
  const unknown = await request.post("/api/sim/faults", { data: { action: "melt", host: "xen1" } });
  expect(unknown.status()).toBe(400);
  expect((await unknown.json()).error.details.field).toBe("action");

  await page.goto("/");
  await page.getByTestId("language-switcher").selectOption("en");
  await expect(page.getByTestId("host-xen2-status")).toContainText("Reachable");
  const off = await request.post("/api/sim/faults", { data: { action: "power-off", host: "xen2" } });
  expect(off.status()).toBe(200);
  await expect(page.getByTestId("host-xen2-status")).toContainText("Unreachable", { timeout: 5_000 });
  await expect(page.getByTestId("host-xen2-status")).toContainText("showing the state last seen");
  await expect(page.getByTestId("resource-r2").getByTestId("connection")).toContainText("Connecting");
  const world = await (await request.get("/api/sim/world")).json();
  expect(world.hosts.xen2.power).toBe("off");

  await request.post("/api/sim/faults", { data: { action: "power-on", host: "xen2" } });
  await expect(page.getByTestId("host-xen2-status")).toContainText("Reachable", { timeout: 10_000 });
  await expect(page.getByTestId("resource-r2").getByTestId("connection")).toContainText("Connected");
  await page.screenshot({ path: test.info().outputPath("after-power-cycle.png"), fullPage: true });
});

test("the Simulation panel injects a fault: cutting xen1's management network makes it unreachable while DRBD stays connected", async ({
  page,
}) => {
  await page.goto("/");
  const panel = page.getByTestId("simulation-panel");
  await expect(panel).toBeVisible();
  await panel.getByTestId("sim-action").selectOption("cut-mgmt");
  await panel.getByTestId("sim-host").selectOption("xen1");
  await panel.getByTestId("sim-inject").click();
  await expect(panel.getByTestId("sim-result")).toHaveText("Injected: Cut the panel's network to a host.");
  await expect(page.getByTestId("host-xen1-status")).toContainText("Unreachable", { timeout: 5_000 });
  // The replication link is another network: xen2 still sees r1 connected to xen1.
  await expect(page.getByTestId("resource-r1").getByTestId("connection")).toContainText("Connected");
  await page.screenshot({ path: test.info().outputPath("mgmt-cut.png"), fullPage: true });

  await panel.getByTestId("sim-action").selectOption("restore-mgmt");
  await panel.getByTestId("sim-host").selectOption("xen1");
  await panel.getByTestId("sim-inject").click();
  await expect(page.getByTestId("host-xen1-status")).toContainText("Reachable", { timeout: 10_000 });
});

test("failover and failback from the browser: refused while xen1 still runs behind a cut management network; after its crash, planned, confirmed and run; back home once the resync is over", async ({
  page,
  request,
}) => {
  test.setTimeout(600_000);
  await page.goto("/");
  await page.getByTestId("language-switcher").selectOption("en");

  // xen1 only looks dead: its DRBD still talks to xen2 as Primary. The plan says no, whatever the operator ticks.
  await request.post("/api/sim/faults", { data: { action: "cut-mgmt", host: "xen1" } });
  await expect(page.getByTestId("host-xen1-status")).toContainText("Unreachable", { timeout: 10_000 });
  await page.getByTestId("runbook-failover-xen1").click();
  const plan = page.getByTestId("runbook-plan-failover");
  await plan.getByTestId("runbook-confirm-down").check();
  await expect(
    plan.getByTestId("runbook-blockers").locator("[data-rule=two-primaries]").first(),
  ).toBeVisible();
  await expect(plan.getByTestId("runbook-start")).toBeDisabled();
  await page.screenshot({ path: test.info().outputPath("failover-refused-mgmt-cut.png"), fullPage: true });
  await request.post("/api/sim/faults", { data: { action: "restore-mgmt", host: "xen1" } });
  await expect(page.getByTestId("host-xen1-status")).toContainText("Reachable", { timeout: 10_000 });

  // A real failure: xen1 crashes.
  await request.post("/api/sim/faults", { data: { action: "crash", host: "xen1" } });
  await expect(page.getByTestId("host-xen1-status")).toContainText("Unreachable", { timeout: 10_000 });
  await page.getByTestId("runbook-failover-xen1").click();
  // The simulated hosts have fence devices (IPMI): the plan powers xen1 off first, so nobody has to vouch
  // that it is off.
  await expect(plan.getByTestId("runbook-blockers")).toHaveCount(0);
  await expect(plan.getByTestId("runbook-steps").locator("li").first()).toContainText(
    "Power xen1 off with its fence device",
  );
  await expect(plan).toContainText("fence_ipmilan --lanplus --ip=xen1-bmc");
  await expect(plan.getByTestId("runbook-steps")).toContainText("Promote r1 on xen2");
  await expect(plan.getByTestId("runbook-memory")).toBeVisible();
  await expect(plan.getByTestId("runbook-start")).toBeDisabled(); // the host name is not typed yet
  await plan.getByTestId("runbook-type-host").fill("xen1");
  await page.screenshot({ path: test.info().outputPath("failover-plan.png"), fullPage: true });
  await plan.getByTestId("runbook-start").click();

  await expect(page).toHaveURL(/\/jobs\/[a-z0-9]+$/);
  await expect(page.getByTestId("job-status")).toHaveAttribute("data-status", "succeeded", {
    timeout: 180_000,
  });
  await expect(page.locator("[data-step='fence:xen1']")).toHaveAttribute("data-status", "succeeded");
  await expect(page.locator("[data-step='promote:r1@xen2']")).toHaveAttribute("data-status", "succeeded");
  await page.screenshot({ path: test.info().outputPath("failover-job.png"), fullPage: true });

  await page.goto("/");
  await expect(page.getByTestId("resource-r1").getByTestId("side-xen2").getByTestId("role")).toHaveText(
    "Primary",
  );
  await expect(page.getByTestId("vm-db1-state")).toContainText("running");
  const incidents = await (await request.get("/api/incidents?kind=failover")).json();
  expect(incidents[0]).toMatchObject({ kind: "failover", severity: "critical", host: "xen1" });
  expect(incidents[0].closedAt).not.toBeNull();

  // xen1 is repaired: once the resync is over, everything goes home from the browser too.
  await request.post("/api/sim/faults", { data: { action: "power-on", host: "xen1" } });
  await expect(page.getByTestId("host-xen1-status")).toContainText("Reachable", { timeout: 60_000 });
  await page.getByTestId("runbook-failback-xen2").click();
  const failback = page.getByTestId("runbook-plan-failback");
  await expect(failback.getByTestId("runbook-steps")).toContainText("Promote r1 on xen1");
  await expect(async () => {
    await failback.getByRole("button", { name: "Plan again" }).click();
    await expect(failback.getByTestId("runbook-blockers")).toHaveCount(0, { timeout: 2_000 });
  }).toPass({ timeout: 60_000 });
  await expect(failback.getByTestId("runbook-type-host")).toHaveCount(0); // nothing forced: no name to type
  await failback.getByTestId("runbook-start").click();
  await expect(page).toHaveURL(/\/jobs\/[a-z0-9]+$/);
  await expect(page.getByTestId("job-status")).toHaveAttribute("data-status", "succeeded", {
    timeout: 240_000,
  });
  await expect(page.getByTestId("job-downtime")).toContainText("db1");
  await page.screenshot({ path: test.info().outputPath("failback-job.png"), fullPage: true });
  await page.goto("/");
  await expect(page.getByTestId("resource-r1").getByTestId("side-xen1").getByTestId("role")).toHaveText(
    "Primary",
  );
  await expect(page.getByTestId("host-xen1-status")).toContainText("7 of 7 VMs running");
});

test("a planned switchover from the browser (maintenance of xen1): its VMs shut down cleanly and start on xen2, with their downtime; a failback brings them home", async ({
  page,
}) => {
  test.setTimeout(600_000);
  // xen2 was powered off earlier in this suite and nobody started its services again: its administrator does.
  const XEN2_VMS = Object.entries(TABLE_3)
    .filter(([, [host]]) => host === "xen2")
    .map(([vm]) => vm);
  onHost("xen2", "drbdadm", "primary", "r2");
  onHost("xen2", "mount", "--", "/dev/drbd2", "/srv/r2");
  const xenConfig = (vm: string) =>
    path.resolve(E2E_DATA_DIR, "sim", "hosts", "xen2", "etc", "xen", `${vm}.cfg`);
  expect(
    await Promise.all(XEN2_VMS.map((vm) => onHostInBackground("xen2", "xl", "create", xenConfig(vm)))),
  ).toEqual(XEN2_VMS.map(() => 0));
  await page.goto("/");
  await page.getByTestId("language-switcher").selectOption("en");
  await expect(page.getByTestId("host-xen2-status")).toContainText("6 of 6 VMs running", { timeout: 60_000 });

  // Maintenance of xen1: r1 and r3 (UpToDate on both sides) and xen1's seven VMs move to xen2, whose own VMs
  // give memory back by ballooning.
  await page.getByTestId("runbook-switchover-xen1").click();
  const plan = page.getByTestId("runbook-plan-switchover");
  await expect(plan.getByTestId("runbook-blockers")).toHaveCount(0);
  await expect(plan.getByTestId("runbook-steps")).toContainText("Shut down db1 on xen1");
  await expect(plan.getByTestId("runbook-steps")).toContainText("Demote r1 on xen1");
  await expect(plan.getByTestId("runbook-steps")).toContainText("Promote r1 on xen2");
  await expect(plan.getByTestId("runbook-memory")).toBeVisible();
  await expect(plan.getByTestId("runbook-type-host")).toHaveCount(0); // nothing forced, nothing failed
  await page.screenshot({ path: test.info().outputPath("switchover-plan.png"), fullPage: true });
  await plan.getByTestId("runbook-start").click();
  await expect(page).toHaveURL(/\/jobs\/[a-z0-9]+$/);
  await expect(page.getByTestId("job-status")).toHaveAttribute("data-status", "succeeded", {
    timeout: 240_000,
  });
  await expect(page.getByTestId("job-downtime")).toContainText("db1");
  await page.screenshot({ path: test.info().outputPath("switchover-job.png"), fullPage: true });

  await page.goto("/");
  await expect(page.getByTestId("resource-r1").getByTestId("side-xen2").getByTestId("role")).toHaveText(
    "Primary",
  );
  await expect(page.getByTestId("host-xen2").getByTestId("vm-db1-state")).toContainText("running");
  await expect(page.getByTestId("host-xen2-status")).toContainText("13 of 13 VMs running");

  // Maintenance done: xen1's VMs go home, xen2's get their memory back.
  await page.getByTestId("runbook-failback-xen2").click();
  const back = page.getByTestId("runbook-plan-failback");
  await expect(back.getByTestId("runbook-blockers")).toHaveCount(0);
  await expect(back.getByTestId("runbook-steps")).toContainText("Promote r1 on xen1");
  await back.getByTestId("runbook-start").click();
  await expect(page).toHaveURL(/\/jobs\/[a-z0-9]+$/);
  await expect(page.getByTestId("job-status")).toHaveAttribute("data-status", "succeeded", {
    timeout: 240_000,
  });
  await page.goto("/");
  await expect(page.getByTestId("resource-r1").getByTestId("side-xen1").getByTestId("role")).toHaveText(
    "Primary",
  );
  await expect(page.getByTestId("host-xen1-status")).toContainText("7 of 7 VMs running");
  await expect(page.getByTestId("host-xen2-status")).toContainText("6 of 6 VMs running");
  await expect(page.getByTestId("vm-web1-memory")).toHaveText("2,048 / 2,048 MiB");
});

test("the resource wizard: a taken name is refused with its field; r5 is created from the browser, UpToDate on both hosts, Primary and mounted on xen1", async ({
  page,
  request,
}) => {
  test.setTimeout(300_000);
  // The API refuses a bad request with every field at once, and changes nothing.
  const bad = await request.post("/api/resources", {
    data: { name: "r5; rm -rf /", hosts: [], initialPrimary: "xen1", initialSync: "maybe" },
  });
  expect(bad.status()).toBe(400);
  const fields = ((await bad.json()) as { errors: Array<{ field: string }> }).errors.map((e) => e.field);
  expect(fields).toEqual(expect.arrayContaining(["name", "hosts", "initialSync"]));
  expect((await (await request.get("/api/sim/world")).json()).resources.r5).toBeUndefined();

  await page.goto("/");
  await page.getByTestId("language-switcher").selectOption("en");
  await page.getByTestId("new-resource-link").click();
  await expect(page).toHaveURL(/\/resources\/new$/);

  // 1. Storage: vg0 on each host, each host's own address, as the hosts report them.
  await expect(page.getByTestId("wizard-vg-xen1")).toContainText("vg0");
  await expect(page.getByTestId("wizard-address-xen2")).toHaveValue("10.0.0.2");
  await page.getByTestId("wizard-next").click();

  // 2. The resource: a taken name and a size beyond the free space are refused, each with its field.
  await page.getByTestId("wizard-name").fill("r1");
  await page.getByTestId("wizard-size").fill(String(10 * 1024 * 1024));
  await page.getByTestId("wizard-next").click();
  await expect(page.locator("[data-testid=wizard-error][data-field=name]").first()).toContainText(
    "is taken: a resource r1 is configured on xen1",
  );
  await expect(page.locator("[data-testid=wizard-error][data-field=sizeMiB]").first()).toContainText(
    "does not fit in vg0",
  );
  await expect(page.getByTestId("wizard-step-resource")).toBeVisible(); // not a step further
  await page.screenshot({ path: test.info().outputPath("wizard-refused.png"), fullPage: true });
  await page.getByTestId("wizard-name").fill("r5");
  await page.getByTestId("wizard-size").fill("1024");
  await page.getByTestId("wizard-next").click();

  // 3. Safety: the defaults. 4. Initial sync: skipped (both volumes are new). 5. ext4 on /srv/r5.
  await expect(page.getByTestId("wizard-step-safety")).toBeVisible();
  await page.getByTestId("wizard-next").click();
  await page.getByTestId("wizard-sync-skip").check();
  await page.getByTestId("wizard-next").click();
  await page.getByTestId("wizard-use-ext4").check();
  await page.getByTestId("wizard-mount-point").fill("/srv/r5");
  // Back and forth keeps what was typed.
  await page.getByTestId("wizard-back").click();
  await expect(page.getByTestId("wizard-sync-skip")).toBeChecked();
  await page.getByTestId("wizard-next").click();
  await expect(page.getByTestId("wizard-mount-point")).toHaveValue("/srv/r5");
  await page.getByTestId("wizard-next").click();

  // 6. Review: the file, accepted by drbdadm on both hosts, and the plan.
  await expect(page.getByTestId("wizard-file")).toContainText("resource r5 {");
  await expect(page.getByTestId("wizard-file")).toContainText("address ipv4 10.0.0.2:7788;");
  await expect(page.getByTestId("wizard-validation").locator("[data-ok=true]")).toHaveCount(2);
  await expect(page.getByTestId("wizard-plan")).toContainText(
    "Initial sync of r5 from xen1 (skipped: both volumes are new)",
  );
  await page.screenshot({ path: test.info().outputPath("wizard-review.png"), fullPage: true });
  await page.getByTestId("wizard-create").click();

  await expect(page).toHaveURL(/\/jobs\/[a-z0-9]+$/);
  await expect(page.getByTestId("job-status")).toHaveAttribute("data-status", "succeeded", {
    timeout: 180_000,
  });
  await page.screenshot({ path: test.info().outputPath("wizard-job.png"), fullPage: true });
  await page.goto("/");
  const r5 = page.getByTestId("resource-r5");
  await expect(r5.getByTestId("side-xen1").getByTestId("role")).toHaveText("Primary");
  await expect(r5.getByTestId("side-xen2").getByTestId("disk")).toHaveText("UpToDate");
  const world = await (await request.get("/api/sim/world")).json();
  expect(world.resources.r5.sides.xen1).toMatchObject({ mounted: true, mountedOn: "/srv/r5" });
});

const hostReachable = async (request: APIRequestContext, host: string) =>
  (
    (await (await request.get("/api/farm")).json()) as { hosts: Array<{ name: string; reachable: boolean }> }
  ).hosts.find((h) => h.name === host)?.reachable;

test("a VM placed on r5 from the browser: a taken name refused; web5 defined on both hosts and started on xen1; it survives xen1's crash (failover) and comes home (failback); then web5 and r5 are removed (r5 from its card)", async ({
  page,
  request,
}) => {
  test.setTimeout(600_000);
  const world = async () => (await request.get("/api/sim/world")).json();
  // r5 as the wizard makes it (the test before this one), made here when this test runs alone.
  if (!(await world()).resources.r5) {
    const created = await request.post("/api/resources", {
      data: {
        name: "r5",
        sizeMiB: 1024,
        hosts: [
          { host: "xen1", vg: "vg0", address: "10.0.0.1" },
          { host: "xen2", vg: "vg0", address: "10.0.0.2" },
        ],
        initialPrimary: "xen1",
        initialSync: "skip",
        filesystem: { type: "ext4", mountPoint: "/srv/r5" },
      },
    });
    expect(created.status()).toBe(202);
    expect(await jobStatus(request, (await created.json()).jobId, 180_000)).toBe("succeeded");
  }

  await page.goto("/");
  await page.getByTestId("language-switcher").selectOption("en");
  await page.getByTestId("resource-r5").getByTestId("place-vm-link").click();
  await expect(page).toHaveURL(/\/vms\/new\?resource=r5$/);
  await expect(page.getByTestId("place-vm-resource")).toHaveValue("r5");
  await expect(page.getByTestId("place-vm-bridge")).toHaveValue("xenbr0");

  // A taken name: refused with its field, nothing defined.
  await page.getByTestId("place-vm-name").fill("db1");
  await page.getByTestId("place-vm-check").click();
  await expect(page.locator("[data-testid=place-vm-error][data-field=name]")).toContainText(
    "a VM named db1 already exists (on xen1)",
  );
  await expect(page.getByTestId("place-vm-define")).toBeDisabled();

  await page.getByTestId("place-vm-name").fill("web5");
  await page.getByTestId("place-vm-memory").fill("256");
  await page.getByTestId("place-vm-image-size").fill("1024");
  await page.getByTestId("place-vm-check").click();
  for (const host of ["xen1", "xen2"]) {
    await expect(page.getByTestId(`place-vm-config-${host}`)).toContainText('name = "web5"');
    await expect(page.getByTestId(`place-vm-config-${host}`)).toContainText(
      "disk = [ 'file:/srv/r5/web5.img,xvda,w' ]",
    );
  }
  await expect(page.getByTestId("place-vm-plan")).toContainText(
    "Create the image /srv/r5/web5.img (1024 MiB) on xen1",
  );
  await expect(page.getByTestId("place-vm-plan")).toContainText("Start web5 on xen1 with 256 MiB");
  await page.screenshot({ path: test.info().outputPath("place-vm-review.png"), fullPage: true });
  await page.getByTestId("place-vm-define").click();
  await expect(page).toHaveURL(/\/jobs\/[a-z0-9]+$/);
  await expect(page.getByTestId("job-status")).toHaveAttribute("data-status", "succeeded", {
    timeout: 120_000,
  });
  await page.goto("/");
  await expect(page.getByTestId("vm-web5-state")).toContainText("running");
  expect((await world()).vms.web5).toMatchObject({ host: "xen1", resource: "r5", state: "running" });

  // xen1 crashes: the failover (fenced through xen1's BMC) starts web5 on xen2 from r5's replica.
  await request.post("/api/sim/faults", { data: { action: "crash", host: "xen1" } });
  await expect.poll(() => hostReachable(request, "xen1"), { timeout: 30_000 }).toBe(false);
  const over = await request.post("/api/runbooks", { data: { kind: "failover", from: "xen1", to: "xen2" } });
  expect(over.status(), await over.text()).toBe(202);
  expect(await jobStatus(request, (await over.json()).jobId, 240_000)).toBe("succeeded");
  expect((await world()).vms.web5).toMatchObject({ host: "xen2", state: "running" });
  expect((await world()).resources.r5.sides.xen2).toMatchObject({ role: "Primary", mounted: true });

  // xen1 is repaired: once r5 and the others are in sync, the failback brings web5 home.
  await request.post("/api/sim/faults", { data: { action: "power-on", host: "xen1" } });
  await expect.poll(() => hostReachable(request, "xen1"), { timeout: 60_000 }).toBe(true);
  await expect
    .poll(
      async () =>
        (
          (await (
            await request.post("/api/runbooks", {
              data: { kind: "failback", from: "xen2", to: "xen1", dryRun: true },
            })
          ).json()) as { plan: { blockers: unknown[] } }
        ).plan.blockers.length,
      { timeout: 120_000 },
    )
    .toBe(0);
  const back = await request.post("/api/runbooks", { data: { kind: "failback", from: "xen2", to: "xen1" } });
  expect(back.status(), await back.text()).toBe(202);
  expect(await jobStatus(request, (await back.json()).jobId, 300_000)).toBe("succeeded");
  expect((await world()).vms.web5).toMatchObject({ host: "xen1", state: "running" });
  await page.goto("/");
  await expect(page.getByTestId("vm-web5-state")).toContainText("running");
  await expect(page.getByTestId("resource-r5").getByTestId("side-xen1").getByTestId("role")).toHaveText(
    "Primary",
  );

  // Deleting r5 from its card: refused while web5 lives on it.
  let r5Delete = page.getByTestId("resource-r5").getByTestId("resource-delete");
  await r5Delete.locator("summary").click();
  await r5Delete.getByTestId("resource-delete-check").click();
  await expect(r5Delete.getByTestId("resource-delete-refused")).toContainText("r5 holds the disks of web5");
  await expect(r5Delete.getByTestId("resource-delete-run")).toBeDisabled();
  // The administrator stops web5 on xen1 (VM operations from the panel are issue 12); its definitions go.
  onHost("xen1", "xl", "destroy", "web5");
  await expect(page.getByTestId("vm-web5-state")).not.toContainText("running", { timeout: 15_000 });
  const removed = await request.delete("/api/vms/web5");
  expect(removed.status(), await removed.text()).toBe(202);
  expect(await jobStatus(request, (await removed.json()).jobId, 60_000)).toBe("succeeded");
  // Unmounted and demoted on xen1, r5 is deleted with its volumes from its card, the name typed.
  onHost("xen1", "umount", "/srv/r5");
  onHost("xen1", "drbdadm", "secondary", "r5");
  await page.goto("/");
  await expect(page.getByTestId("resource-r5").getByTestId("side-xen1").getByTestId("role")).toHaveText(
    "Secondary",
    { timeout: 15_000 },
  );
  r5Delete = page.getByTestId("resource-r5").getByTestId("resource-delete");
  await r5Delete.locator("summary").click();
  await r5Delete.getByTestId("resource-delete-volumes").check();
  await r5Delete.getByTestId("resource-delete-confirm").fill("r4");
  await r5Delete.getByTestId("resource-delete-check").click();
  await expect(r5Delete.getByTestId("resource-delete-refused")).toContainText(
    "type r5 to remove its volumes",
  );
  await r5Delete.getByTestId("resource-delete-confirm").fill("r5");
  await r5Delete.getByTestId("resource-delete-check").click();
  await expect(r5Delete.getByTestId("resource-delete-plan")).toContainText("Take r5 down on xen1");
  await expect(r5Delete.getByTestId("resource-delete-plan")).toContainText(
    "Remove the volume vg0/r5 on xen2",
  );
  await page.screenshot({ path: test.info().outputPath("resource-delete.png"), fullPage: true });
  await r5Delete.getByTestId("resource-delete-run").click();
  await expect(page).toHaveURL(/\/jobs\/[a-z0-9]+$/);
  await expect(page.getByTestId("job-status")).toHaveAttribute("data-status", "succeeded", {
    timeout: 120_000,
  });
  await page.goto("/");
  await expect(page.getByTestId("resource-r5")).toHaveCount(0);
  const after = await world();
  expect(after.resources.r5).toBeUndefined();
  expect(after.hosts.xen1.vg.lvs.map((l: { name: string }) => l.name)).not.toContain("r5");
});
