/**
 * The lab from the browser, over real SSH (`npm run test:lab`): the panel is configured with the lab's two hosts
 * (scripts/lab-panel.ts). The wizard creates r5 with a full initial sync, a VM is placed on it and started, xen1
 * crashes and is failed over from the browser, comes back and is failed back; then the VM and r5 are removed
 * (r5 from its card's delete form), leaving the lab as the other lab tests expect it.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { jobStatus } from "../helpers/jobs-api";

const ROOT = path.resolve(import.meta.dirname, "../..");
const lab = () =>
  JSON.parse(fs.readFileSync(path.join(ROOT, ".tmp/lab/lab.json"), "utf8")) as { simDir: string };
/** The sim command line on the lab's world: a fault, or a tool run on a host as its administrator would. */
const sim = (...args: string[]) =>
  execFileSync(process.execPath, ["--import", "tsx", "scripts/sim.ts", "--world", lab().simDir, ...args], {
    cwd: ROOT,
    stdio: "pipe",
  }).toString();

test("the lab from the browser: r5 by the wizard (full sync), web5 placed on it, xen1 crashes: failover; failback; both removed", async ({
  page,
}) => {
  test.setTimeout(600_000);
  // A fresh panel: the first administrator first (the page every path leads to), then the password again for the
  // dangerous actions ahead (step-up, as the dialog would ask).
  await page.goto("/");
  await expect(page).toHaveURL(/\/setup$/);
  await page.getByTestId("language-switcher").selectOption("en");
  const password = "correct horse battery staple";
  await page.getByTestId("setup-username").fill("admin");
  await page.getByTestId("setup-password").fill(password);
  await page.getByTestId("setup-password-again").fill(password);
  await page.getByTestId("setup-submit").click();
  await expect(page.getByTestId("user-menu")).toBeVisible();
  const origin = new URL(page.url()).origin;
  expect(
    (await page.request.post("/api/auth/step-up", { data: { password }, headers: { origin } })).ok(),
  ).toBe(true);
  // API calls with the page's session (and its Origin, as the page's own requests carry).
  const request = page.request;
  await expect(page.getByTestId("host-xen1-status")).toContainText("Reachable", { timeout: 30_000 });

  // The wizard: each host's own namespace address, drbdadm's verdict from each host, a full initial sync.
  await page.getByTestId("new-resource-link").click();
  await expect(page.getByTestId("wizard-address-xen1")).toHaveValue("10.99.0.1");
  await expect(page.getByTestId("wizard-address-xen2")).toHaveValue("10.99.0.2");
  await page.getByTestId("wizard-next").click();
  await page.getByTestId("wizard-name").fill("r5");
  await page.getByTestId("wizard-size").fill("1024");
  await page.getByTestId("wizard-next").click();
  await page.getByTestId("wizard-next").click();
  await page.getByTestId("wizard-sync-full").check();
  await page.getByTestId("wizard-next").click();
  await page.getByTestId("wizard-use-ext4").check();
  await page.getByTestId("wizard-mount-point").fill("/srv/r5");
  await page.getByTestId("wizard-next").click();
  await expect(page.getByTestId("wizard-validation").locator("[data-ok=true]")).toHaveCount(2);
  await expect(page.getByTestId("wizard-file")).toContainText("address ipv4 10.99.0.2:7788;");
  await page.getByTestId("wizard-create").click();
  await expect(page.getByTestId("job-status")).toHaveAttribute("data-status", "succeeded", {
    timeout: 180_000,
  });
  await page.goto("/");
  const r5 = page.getByTestId("resource-r5");
  await expect(r5.getByTestId("side-xen2").getByTestId("disk")).toHaveText("UpToDate", { timeout: 120_000 });
  await expect(r5.getByTestId("side-xen1").getByTestId("role")).toHaveText("Primary");
  await expect(r5.getByTestId("connection")).toContainText("Connected");

  // web5 on r5, started on xen1.
  await r5.getByTestId("place-vm-link").click();
  await expect(page.getByTestId("place-vm-bridge")).toHaveValue("xenbr0");
  await page.getByTestId("place-vm-name").fill("web5");
  await page.getByTestId("place-vm-memory").fill("256");
  await page.getByTestId("place-vm-image-size").fill("512");
  await page.getByTestId("place-vm-check").click();
  await expect(page.getByTestId("place-vm-plan")).toContainText("Start web5 on xen1 with 256 MiB");
  await page.getByTestId("place-vm-define").click();
  await expect(page.getByTestId("job-status")).toHaveAttribute("data-status", "succeeded", {
    timeout: 120_000,
  });
  await page.goto("/");
  await expect(page.getByTestId("vm-web5-state")).toContainText("running");
  await expect(page.getByTestId("host-xen1-status")).toContainText("8 of 8 VMs running");

  // xen1 crashes (its link goes down): failed over from the browser, the operator confirming it is off.
  sim("fault", "crash", "host=xen1");
  await expect(page.getByTestId("host-xen1-status")).toContainText("Unreachable", { timeout: 30_000 });
  await page.getByTestId("runbook-failover-xen1").click();
  const plan = page.getByTestId("runbook-plan-failover");
  await expect(plan.getByTestId("runbook-steps")).toContainText("Promote r5 on xen2");
  await plan.getByTestId("runbook-confirm-down").check();
  await plan.getByTestId("runbook-type-host").fill("xen1");
  await plan.getByTestId("runbook-start").click();
  await expect(page.getByTestId("job-status")).toHaveAttribute("data-status", "succeeded", {
    timeout: 240_000,
  });
  await page.goto("/");
  await expect(page.getByTestId("resource-r5").getByTestId("side-xen2").getByTestId("role")).toHaveText(
    "Primary",
  );
  await expect(page.getByTestId("vm-web5-state")).toContainText("running");

  // xen1 is back: the failback, once r5 and the others are in sync.
  sim("fault", "power-on", "host=xen1");
  await expect(page.getByTestId("host-xen1-status")).toContainText("Reachable", { timeout: 60_000 });
  await page.getByTestId("runbook-failback-xen2").click();
  const failback = page.getByTestId("runbook-plan-failback");
  await expect(async () => {
    await failback.getByRole("button", { name: "Plan again" }).click();
    await expect(failback.getByTestId("runbook-blockers")).toHaveCount(0, { timeout: 2_000 });
  }).toPass({ timeout: 120_000 });
  await failback.getByTestId("runbook-start").click();
  await expect(page.getByTestId("job-status")).toHaveAttribute("data-status", "succeeded", {
    timeout: 300_000,
  });
  await page.goto("/");
  await expect(page.getByTestId("resource-r5").getByTestId("side-xen1").getByTestId("role")).toHaveText(
    "Primary",
  );
  await expect(page.getByTestId("host-xen1-status")).toContainText("8 of 8 VMs running");

  // Removed: web5 stopped on xen1 by its administrator, its definitions removed; r5 unmounted and demoted on
  // xen1, then deleted with its volumes from its card.
  sim("xen1", "xl", "destroy", "web5");
  await expect(page.getByTestId("vm-web5-state")).not.toContainText("running", { timeout: 15_000 });
  const removed = await request.delete("/api/vms/web5", { headers: { origin } });
  expect(removed.status(), await removed.text()).toBe(202);
  expect(await jobStatus(request, ((await removed.json()) as { jobId: string }).jobId, 60_000)).toBe(
    "succeeded",
  );
  sim("xen1", "umount", "/srv/r5");
  sim("xen1", "drbdadm", "secondary", "r5");
  await expect(page.getByTestId("resource-r5").getByTestId("side-xen1").getByTestId("role")).toHaveText(
    "Secondary",
    { timeout: 15_000 },
  );
  const deleteForm = page.getByTestId("resource-r5").getByTestId("resource-delete");
  await deleteForm.locator("summary").click();
  await deleteForm.getByTestId("resource-delete-volumes").check();
  await deleteForm.getByTestId("resource-delete-confirm").fill("r5");
  await deleteForm.getByTestId("resource-delete-check").click();
  await expect(deleteForm.getByTestId("resource-delete-plan")).toContainText(
    "Remove the volume vg0/r5 on xen2",
  );
  await deleteForm.getByTestId("resource-delete-run").click();
  await expect(page.getByTestId("job-status")).toHaveAttribute("data-status", "succeeded", {
    timeout: 120_000,
  });
  await page.goto("/");
  await expect(page.getByTestId("resource-r5")).toHaveCount(0);
  await expect(page.getByTestId("host-xen1-status")).toContainText("7 of 7 VMs running");
});
