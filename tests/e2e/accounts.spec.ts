/**
 * Accounts from the browser: an administrator makes accounts on the Users page; another administrator's first
 * dangerous change asks for the password in the step-up dialog; an operator sets up two-factor sign-in and signs in
 * with a code; an API token is made, used and revoked; an administrator ends a session and its page is signed out;
 * the audit trail shows it all and its chain checks out.
 */
import { Secret, TOTP } from "otpauth";
import type { Browser, Page } from "@playwright/test";
import { expect, test } from "./fixtures";

const PASSWORD = "another long password";

async function signIn(browser: Browser, username: string, password = PASSWORD): Promise<Page> {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByTestId("language-switcher").selectOption("en");
  await page.getByTestId("login-username").fill(username);
  await page.getByTestId("login-password").fill(password);
  await page.getByTestId("login-submit").click();
  return page;
}

test("accounts: users made by an admin, step-up, two-factor, API tokens, ending a session, the audit trail", async ({
  page,
  browser,
  request,
}) => {
  test.setTimeout(120_000);
  await page.goto("/settings/users");
  await page.getByTestId("language-switcher").selectOption("en");
  for (const [name, role] of [
    ["olga", "operator"],
    ["adam", "admin"],
  ] as const) {
    await page.getByTestId("new-user-name").fill(name);
    await page.getByTestId("new-user-password").fill(PASSWORD);
    await page.getByTestId("new-user-role").selectOption(role);
    await page.getByTestId("new-user-create").click();
    await expect(page.getByTestId(`user-${name}`)).toBeVisible();
  }
  // Bad input: the field and the rule, nothing made.
  await page.getByTestId("new-user-name").fill("Bad Name");
  await page.getByTestId("new-user-password").fill(PASSWORD);
  await page.getByTestId("new-user-create").click();
  await expect(page.getByTestId("new-user-error")).toContainText("username");

  // Adam's first dangerous change (a new account) asks for his password: signing in is not enough; a wrong one is
  // refused, the right one lets the change through.
  const adam = await signIn(browser, "adam");
  await expect(adam.getByTestId("user-menu")).toContainText("adam");
  await adam.goto("/settings/users");
  await adam.getByTestId("new-user-name").fill("vic");
  await adam.getByTestId("new-user-password").fill(PASSWORD);
  await adam.getByTestId("new-user-create").click();
  const dialog = adam.getByTestId("step-up-dialog");
  await expect(dialog).toBeVisible();
  await adam.getByTestId("step-up-password").fill("not my password");
  await adam.getByTestId("step-up-confirm").click();
  await expect(adam.getByTestId("step-up-error")).toContainText("Wrong password");
  await adam.getByTestId("step-up-password").fill(PASSWORD);
  await adam.getByTestId("step-up-confirm").click();
  await expect(dialog).toBeHidden();
  await expect(adam.getByTestId("user-vic")).toBeVisible();
  // Vic, a viewer, sees the farm but not the buttons his role cannot use; a form's page says why instead.
  const vic = await signIn(browser, "vic");
  await expect(vic.getByTestId("user-menu")).toContainText("vic (viewer)");
  await expect(vic.getByTestId("host-xen1-status")).toBeVisible();
  await expect(vic.getByTestId("runbooks-xen1")).toHaveCount(0);
  await expect(vic.getByTestId("new-resource-link")).toHaveCount(0);
  await expect(vic.getByTestId("simulation-panel")).toHaveCount(0);
  await expect(vic.getByTestId("place-vm-link")).toHaveCount(0);
  await vic.goto("/resources/new");
  await expect(vic.getByTestId("not-allowed")).toContainText("viewer");
  await vic.context().close();
  // (An administrator's page has them.)
  await adam.goto("/");
  await expect(adam.getByTestId("runbooks-xen1")).toBeVisible();
  await expect(adam.getByTestId("new-resource-link")).toBeVisible();
  await adam.goto("/settings/users");

  // Within the 5 minutes, no dialog again; requiring two-factor without having it is refused with the reason.
  await adam.getByTestId("require-two-factor").click();
  await expect(dialog).toBeHidden();
  await expect(adam.getByTestId("users-error")).toContainText("two-factor");
  await expect(adam.getByTestId("require-two-factor")).not.toBeChecked();

  // Olga sets up two-factor sign-in; her next sign-in asks for the code.
  const olga = await signIn(browser, "olga");
  await expect(olga.getByTestId("user-menu")).toContainText("olga (operator)");
  await olga.goto("/account");
  await olga.getByTestId("totp-begin").click();
  const secret = (await olga.getByTestId("totp-secret").innerText()).trim();
  const totp = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: "SHA1" });
  await olga.getByTestId("totp-code").fill(totp.generate());
  await olga.getByTestId("totp-confirm").click();
  await expect(olga.getByTestId("recovery-codes").locator("li")).toHaveCount(10);
  const recovery = (await olga.getByTestId("recovery-codes").locator("li").first().innerText()).trim();
  await olga.getByTestId("sign-out").click();
  await expect(olga).toHaveURL(/\/login$/);
  await olga.getByTestId("login-username").fill("olga");
  await olga.getByTestId("login-password").fill(PASSWORD);
  await olga.getByTestId("login-submit").click();
  await expect(olga.getByTestId("login-code")).toBeVisible();
  await olga.getByTestId("login-code").fill("000000");
  await olga.getByTestId("login-submit").click();
  await expect(olga.getByTestId("auth-error")).toContainText("Wrong code");
  await olga.getByTestId("login-code").fill(recovery);
  await olga.getByTestId("login-submit").click();
  await expect(olga).toHaveURL(/\/$/);

  // An API token: shown once, works as a Bearer token, stops working when revoked.
  await olga.goto("/account");
  await olga.getByTestId("token-name").fill("backup-script");
  await olga.getByTestId("token-role").selectOption("viewer");
  await olga.getByTestId("token-create").click();
  const token = (await olga.getByTestId("token-created").locator("code").innerText()).trim();
  expect(token).toMatch(/^tdm_/);
  const bearer = { authorization: `Bearer ${token}`, cookie: "" };
  const farm = await request.get("/api/farm", { headers: bearer });
  expect(farm.status()).toBe(200);
  expect(
    (
      await request.post("/api/runbooks", {
        headers: bearer,
        data: { kind: "switchover", from: "xen1", to: "xen2", dryRun: true },
      })
    ).status(),
  ).toBe(403);
  await olga.getByTestId("token-revoke-backup-script").click();
  await expect(olga.getByTestId("token-backup-script")).toContainText("revoked");
  expect((await request.get("/api/farm", { headers: bearer })).status()).toBe(401);

  // The admin ends Olga's sessions: her open page is sent to the sign-in page at its next request.
  await page.reload();
  await page.getByTestId("user-end-sessions-olga").click();
  await expect(page.getByTestId("user-olga")).toContainText("0");
  await olga.goto("/account");
  await expect(olga).toHaveURL(/\/login\?next=%2Faccount$/);

  // The audit trail: the refusals and changes above, and an intact chain.
  await page.goto("/audit");
  await page.getByTestId("audit-result").selectOption("refused");
  await expect(page.getByTestId("audit-entries")).toContainText("auth.step-up");
  await expect(page.getByTestId("audit-entries")).toContainText("auth.sign-in-code");
  await page.getByTestId("audit-result").selectOption("");
  await page.getByTestId("audit-action").fill("/api/users");
  await expect(page.getByTestId("audit-entries")).toContainText("POST /api/users");
  await page.getByTestId("audit-verify").click();
  await expect(page.getByTestId("audit-verdict")).toContainText("Intact");

  await adam.context().close();
  await olga.context().close();
});

test("a viewer sees the farm and is refused every change", async ({ browser, request, baseURL }) => {
  const admin = await request.post("/api/users", {
    data: { username: "vera", password: PASSWORD, role: "viewer" },
  });
  expect(admin.status()).toBe(201);
  const vera = await signIn(browser, "vera");
  await expect(vera.getByTestId("host-xen1-status")).toContainText("Reachable", { timeout: 30_000 });
  const res = await vera.context().request.post("/api/runbooks", {
    data: { kind: "switchover", from: "xen1", to: "xen2", dryRun: true },
    headers: { origin: baseURL ?? "" },
  });
  expect(res.status()).toBe(403);
  await vera.goto("/settings/users");
  await expect(vera.getByTestId("users-error")).toContainText("not allowed");
  await vera.context().close();
});
