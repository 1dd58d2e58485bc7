/**
 * A newcomer's first minutes with `npm start` on a fresh data dir: every page leads to creating the first
 * administrator; once created, the setup page is gone, and the panel shows the simulated farm. Runs first (the
 * "first-run" project); the other suites use the session it leaves in E2E_STATE.
 */
import { expect, test } from "@playwright/test";
import { E2E_ADMIN, E2E_STATE } from "./fixtures";

test("a newcomer is led to create the first administrator, then sees the simulated farm", async ({
  page,
  request,
}) => {
  // Content-Security-Policy violations and script errors (a refused inline script would be both).
  const errors: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  // Any page, and the API, before an admin exists.
  expect((await request.get("/api/farm")).status()).toBe(401);
  expect((await (await request.get("/api/auth/setup")).json()).needed).toBe(true);
  await page.goto("/incidents");
  await expect(page).toHaveURL(/\/setup$/);
  await page.getByTestId("language-switcher").selectOption("en");
  await expect(page.getByRole("heading", { name: "Create the first administrator" })).toBeVisible();

  // Bad input is refused with the field named; nothing is created.
  await page.getByTestId("setup-username").fill("Admin!");
  await page.getByTestId("setup-password").fill("short");
  await page.getByTestId("setup-password-again").fill("short");
  await page.getByTestId("setup-submit").click();
  await expect(page.getByTestId("auth-error")).toContainText("username");
  await page.getByTestId("setup-username").fill(E2E_ADMIN.username);
  await page.getByTestId("setup-submit").click();
  await expect(page.getByTestId("auth-error")).toContainText("password");
  expect((await (await request.get("/api/auth/setup")).json()).needed).toBe(true);

  await page.getByTestId("setup-password").fill(E2E_ADMIN.password);
  await page.getByTestId("setup-password-again").fill(E2E_ADMIN.password);
  await page.getByTestId("setup-submit").click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId("simulated-banner")).toBeVisible();
  await expect(page.getByTestId("user-menu")).toContainText("admin (administrator)");
  await expect(page.getByTestId("host-xen1-status")).toContainText("Reachable", { timeout: 30_000 });

  // The session cookie: HttpOnly, SameSite=Strict (not Secure: this panel is served over plain HTTP on loopback).
  const cookie = (await page.context().cookies()).find((c) => c.name === "tandem_session");
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict", secure: false });

  // The setup page is gone; the API's setup is closed.
  await page.goto("/setup");
  await expect(page).toHaveURL(/\/$/);
  const again = await request.post("/api/auth/setup", {
    data: { username: "second", password: "another long password" },
    headers: { origin: new URL(page.url()).origin },
  });
  expect(again.status()).toBe(409);

  // Strict CSP, no inline script without the page's nonce: the page ran without a CSP violation.
  const res = await request.get("/login");
  expect(res.headers()["content-security-policy"]).toMatch(
    /script-src 'self' 'nonce-[^']+' 'strict-dynamic'/,
  );
  expect(errors).toEqual([]);
  await page.context().storageState({ path: E2E_STATE });
});

test("sign-in: a wrong password is refused; the right one leads back to the page asked for", async ({
  browser,
}) => {
  const page = await browser.newPage();
  await page.goto("/history");
  await expect(page).toHaveURL(/\/login\?next=%2Fhistory$/);
  await page.getByTestId("language-switcher").selectOption("en");
  await page.getByTestId("login-username").fill(E2E_ADMIN.username);
  await page.getByTestId("login-password").fill("not the password");
  await page.getByTestId("login-submit").click();
  await expect(page.getByTestId("auth-error")).toContainText("Wrong user name or password");
  await page.getByTestId("login-password").fill(E2E_ADMIN.password);
  await page.getByTestId("login-submit").click();
  await expect(page).toHaveURL(/\/history$/);
  // Sign out: back to the sign-in page, and the old cookie no longer opens the farm.
  const cookies = await page.context().cookies();
  await page.getByTestId("sign-out").click();
  await expect(page).toHaveURL(/\/login$/);
  const stale = await page.context().request.get("/api/farm", {
    headers: { cookie: cookies.map((c) => `${c.name}=${c.value}`).join("; ") },
  });
  expect(stale.status()).toBe(401);
  await page.close();
});
