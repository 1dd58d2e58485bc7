/**
 * Monitoring, incidents, split-brain recovery, history and notifications (issue 7) in the browser, on `npm start`'s
 * simulated farm with the default dead time (15 s). A webhook receiver in the test gets the notifications.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { APIRequestContext } from "@playwright/test";
import { expect, test } from "./fixtures";
import { InvariantChecker } from "../../agents/sim/invariants";
import type { IncidentView } from "../../lib/monitor/types";
import type { HistoryFigures } from "../../lib/monitor/availability";
import { onHost } from "../helpers/e2e-sim";

test.describe.configure({ mode: "serial" });

const DEAD_TIME_MS = 15_000;
const posts: Array<{ event: string; incident: IncidentView }> = [];
let receiver: http.Server;

test.beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      posts.push(JSON.parse(body) as { event: string; incident: IncidentView });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
});

// The only invariant this file breaks on purpose: r2 Primary on both hosts while its link is cut (the split brain).
test.afterAll(async ({ request }) => {
  receiver.close();
  const checker = new InvariantChecker();
  checker.observe(await (await request.get("/api/sim/world")).json());
  expect(checker.violations.filter((v) => !(v.kind === "two-primaries" && v.subject === "r2"))).toEqual([]);
});

const fault = (request: APIRequestContext, data: Record<string, unknown>) =>
  request.post("/api/sim/faults", { data }).then((r) => expect(r.status()).toBe(200));
const incidents = async (request: APIRequestContext, query: string): Promise<IncidentView[]> =>
  (await request.get(`/api/incidents?${query}`)).json() as Promise<IncidentView[]>;

test("notifications: a webhook set up in the page gets a test message", async ({ page }) => {
  await page.goto("/settings/notifications");
  await page.getByRole("button", { name: "Add a webhook" }).click();
  await page.fill("input[name='webhook.url']", "ftp://wrong.example/");
  await page.getByTestId("notify-save").click();
  await expect(page.getByTestId("notify-error")).toContainText("must be an http:// or https:// URL");
  await expect(page.getByTestId("notify-error")).toHaveAttribute("data-field", "webhook.url");
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/tandem`;
  await page.fill("input[name='webhook.url']", url);
  await page.locator("select[name='webhook.minSeverity']").selectOption("major");
  await page.getByTestId("test-webhook-button").click();
  await expect(page.getByTestId("test-webhook")).toContainText("Delivered");
  expect(posts.map((p) => p.event)).toEqual(["test"]);
  await page.reload();
  await expect(page.locator("input[name='webhook.url']")).toHaveValue(url);
});

test("cutting only xen2's management network is reported as such, never as a host down", async ({
  page,
  request,
}) => {
  test.setTimeout(90_000);
  await fault(request, { action: "cut-mgmt", host: "xen2" });
  await page.goto("/incidents?open=true");
  await expect(page.locator("[data-testid=incident-row][data-kind=mgmt-unreachable]")).toBeVisible({
    timeout: 10_000,
  });
  await expect(page.getByTestId("incident-list")).toContainText("Management network cut");
  await page.waitForTimeout(DEAD_TIME_MS + 5_000);
  expect(await incidents(request, "kind=host-down&host=xen2")).toEqual([]);
  expect(await incidents(request, "kind=mgmt-unreachable&host=xen2&open=true")).toHaveLength(1);
  await fault(request, { action: "restore-mgmt", host: "xen2" });
  await expect(async () => {
    expect(await incidents(request, "kind=mgmt-unreachable&host=xen2&open=true")).toEqual([]);
  }).toPass({ timeout: 15_000 });
});

test("cutting r1's replication link opens a disconnected incident, closed after the resync", async ({
  page,
  request,
}) => {
  test.setTimeout(90_000);
  await fault(request, { action: "write-load", vm: "db1", kiBps: 20_000 });
  await fault(request, { action: "cut-link", resource: "r1" });
  await page.goto("/incidents?kind=drbd-disconnected&open=true");
  const row = page
    .locator("[data-testid=incident-row][data-kind=drbd-disconnected]")
    .filter({ hasText: "r1" });
  await expect(row).toBeVisible({ timeout: 10_000 });
  await page.waitForTimeout(2_000);
  await fault(request, { action: "restore-link", resource: "r1" });
  await row.getByRole("link").click();
  await expect(page.getByTestId("incident-state")).toHaveAttribute("data-open", "false", { timeout: 60_000 });
  const timeline = page.getByTestId("incident-timeline");
  await expect(timeline.locator("[data-kind='drbd.resync-started']").first()).toBeVisible();
  await expect(timeline.locator("[data-kind='drbd.resync-finished']").first()).toBeVisible();
  await page.screenshot({ path: test.info().outputPath("drbd-disconnected.png"), fullPage: true });
  await fault(request, { action: "write-load", vm: "db1", kiBps: 16 });
  const farm = await (await request.get("/api/farm")).json();
  const r1 = farm.resources.find((r: { name: string }) => r.name === "r1");
  expect(r1.sides.map((s: { connection: string; disk: string }) => `${s.connection}/${s.disk}`)).toEqual([
    "Connected/UpToDate",
    "Connected/UpToDate",
  ]);
});

test("a deliberate split brain on r2 is detected on both hosts, shown with its evidence, and recovered from the browser", async ({
  page,
  request,
}) => {
  test.setTimeout(120_000);
  await fault(request, { action: "cut-link", resource: "r2" });
  onHost("xen1", "drbdadm", "primary", "r2"); // an administrator promotes the other side by hand
  await page.waitForTimeout(1_500);
  await fault(request, { action: "restore-link", resource: "r2" });
  await page.goto("/incidents?kind=split-brain&open=true");
  await page
    .locator("[data-testid=incident-row][data-kind=split-brain]")
    .filter({ hasText: "r2" })
    .getByRole("link")
    .click({ timeout: 10_000 });
  const evidence = page.getByTestId("split-brain-evidence");
  await expect(evidence).toContainText("DRBD reported split brain on xen1, xen2.", { timeout: 10_000 });
  await expect(evidence.locator("[data-host=xen2]")).toContainText("web1");
  await expect(evidence.locator("[data-host=xen1]")).toContainText("StandAlone");
  await page.screenshot({ path: test.info().outputPath("split-brain.png"), fullPage: true });

  const recovery = page.getByTestId("split-brain-recovery");
  await recovery.getByLabel(/xen1/).check();
  await recovery.getByTestId("split-brain-plan").click();
  await expect(recovery.getByTestId("split-brain-steps")).toContainText(
    "drbdadm connect --discard-my-data r2",
  );
  await expect(recovery.getByTestId("split-brain-start")).toBeDisabled(); // the name is not typed yet
  await recovery.locator("input[name=confirm]").fill("xen1");
  await recovery.getByTestId("split-brain-start").click();
  await expect(page).toHaveURL(/\/jobs\/[a-z0-9]+$/);
  await expect(page.getByTestId("job-status")).toHaveAttribute("data-status", "succeeded", {
    timeout: 60_000,
  });

  await expect(async () => {
    expect(await incidents(request, "kind=split-brain&open=true")).toEqual([]);
  }).toPass({ timeout: 15_000 });
  const farm = await (await request.get("/api/farm")).json();
  const r2 = farm.resources.find((r: { name: string }) => r.name === "r2");
  expect(
    r2.sides.map(
      (s: { role: string; connection: string; disk: string }) => `${s.role}/${s.connection}/${s.disk}`,
    ),
  ).toEqual(["Secondary/Connected/UpToDate", "Primary/Connected/UpToDate"]);
});

test("xen1 crashes: a host-down incident within the dead time plus 5 s, posted to the webhook; the history counts it", async ({
  page,
  request,
}) => {
  test.setTimeout(180_000);
  const before = posts.length;
  const crashedAt = Date.now();
  await fault(request, { action: "crash", host: "xen1" });
  let down: IncidentView | undefined;
  await expect(async () => {
    [down] = await incidents(request, "kind=host-down&host=xen1&open=true");
    expect(down).toBeDefined();
  }).toPass({ timeout: DEAD_TIME_MS + 5_000, intervals: [250] });
  expect(Date.now() - crashedAt).toBeLessThanOrEqual(DEAD_TIME_MS + 5_000);

  await page.goto("/");
  await expect(page.getByTestId("open-incidents")).toContainText("critical or major");
  await page.getByTestId("incidents-link").click();
  await page.locator("[data-testid=incident-row][data-kind=host-down]").first().getByRole("link").click();
  await expect(page.getByTestId("incident-timeline")).toContainText("xen1 stopped answering the panel");
  await expect(page.getByTestId("incident-timeline")).toContainText(
    "r1 on xen2: connection Connected → Connecting.",
  );
  await page.screenshot({ path: test.info().outputPath("host-down.png"), fullPage: true });
  await expect(async () => {
    const sent = posts
      .slice(before)
      .filter((p) => p.incident.id === down!.id)
      .map((p) => p.event);
    expect(sent).toEqual(["incident.opened", "incident.escalated"]);
  }).toPass({ timeout: 10_000 });
  expect(
    posts.find((p) => p.event === "incident.escalated" && p.incident.id === down!.id)?.incident,
  ).toMatchObject({
    kind: "host-down",
    severity: "critical",
  });

  await fault(request, { action: "power-on", host: "xen1" });
  await expect(async () => {
    const [record] = await incidents(request, "kind=host-down&host=xen1");
    expect(record).toMatchObject({ id: down!.id, kind: "host-down" });
    expect(record!.closedAt).not.toBeNull();
  }).toPass({ timeout: 60_000 });

  // The history page: xen1's failures, downtime, MTBF, MTTR and availability over the last 24 hours are those the
  // recorded incidents give (the hand-computed case is tests/unit/monitor/availability.test.ts).
  await page.goto("/history");
  await page.getByTestId("period-24h").click();
  const row = page.getByTestId("history-hosts").locator("tr[data-name=xen1]");
  const to = new Date();
  const from = new Date(to.getTime() - 86_400_000);
  const spans = (
    await incidents(request, `host=xen1&limit=1000&from=${from.toISOString()}&to=${to.toISOString()}`)
  ).filter((i) => i.kind === "host-down" || i.kind === "host-hung");
  expect(spans.length).toBeGreaterThanOrEqual(1);
  await expect(row.locator("[data-col=failures]")).toHaveText(String(spans.length));
  const downSec = spans.reduce(
    (sum, i) =>
      sum +
      (new Date(i.closedAt ?? to).getTime() - Math.max(new Date(i.openedAt).getTime(), from.getTime())) /
        1000,
    0,
  );
  const figures = (await (
    await request.get(`/api/history?from=${from.toISOString()}&to=${to.toISOString()}`)
  ).json()) as HistoryFigures;
  const xen1 = figures.hosts.find((h) => h.name === "xen1")!;
  expect(xen1.failures).toBe(spans.length);
  expect(xen1.downtimeSec).toBeCloseTo(downSec, 0);
  expect(xen1.mttrSec!).toBeCloseTo(downSec / spans.length, 0);
  expect(xen1.mtbfSec!).toBeCloseTo((86_400 - downSec) / spans.length, 0);
  expect(xen1.availability).toBeCloseTo((86_400 - downSec) / 86_400, 6);
  await expect(row.locator("[data-col=availability]")).toContainText("%");
  // A period of one's own choosing (the reader's local time): the same incidents, counted the same way.
  const local = (d: Date) =>
    new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  await page.locator("[data-testid=period-custom] input[name=from]").fill(local(from));
  await page
    .locator("[data-testid=period-custom] input[name=to]")
    .fill(local(new Date(to.getTime() + 3_600_000)));
  await expect(row.locator("[data-col=failures]")).toHaveText(String(spans.length));
  await expect(page.getByTestId("chart-memory")).toBeVisible();
  await page.screenshot({ path: test.info().outputPath("history.png"), fullPage: true });
});
