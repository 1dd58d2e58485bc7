/**
 * A security key from the browser, with Chromium's virtual authenticator (WebAuthn over the DevTools protocol, as a
 * USB key would answer): added on the account page beside the authenticator app (after step-up), then used instead
 * of a code to sign in and to step up. The panel is reached as http://localhost: WebAuthn refuses IP addresses.
 */
import { Secret, TOTP } from "otpauth";
import { expect, test } from "./fixtures";

const PASSWORD = "a key holder's long password";

test("a security key is added beside the app, then signs in and steps up instead of a code", async ({
  browser,
  request,
  baseURL,
}) => {
  test.setTimeout(120_000);
  // An operator made by the administrator (the fixture's request is signed in and stepped up).
  const made = await request.post("/api/users", {
    data: { username: "kim", password: PASSWORD, role: "operator" },
  });
  expect(made.status(), await made.text()).toBe(201);

  const local = (baseURL ?? "").replace("127.0.0.1", "localhost");
  const context = await browser.newContext({ baseURL: local, storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "usb",
      hasResidentKey: false,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  const signInWithPassword = async () => {
    await page.goto("/login");
    await page.getByTestId("language-switcher").selectOption("en");
    await page.getByTestId("login-username").fill("kim");
    await page.getByTestId("login-password").fill(PASSWORD);
    await page.getByTestId("login-submit").click();
  };

  // The authenticator app first (its recovery codes are the way back if the key is lost).
  await signInWithPassword();
  await expect(page.getByTestId("user-menu")).toContainText("kim");
  await page.goto("/account");
  await expect(page.getByTestId("security-keys")).toHaveCount(0);
  await page.getByTestId("totp-begin").click();
  const secret = (await page.getByTestId("totp-secret").innerText()).trim();
  await page
    .getByTestId("totp-code")
    .fill(new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate());
  await page.getByTestId("totp-confirm").click();
  await expect(page.getByTestId("recovery-codes").locator("li")).toHaveCount(10);
  const recovery = (await page.getByTestId("recovery-codes").locator("li").first().innerText()).trim();

  // Adding a key is a step-up action: the password and (the app's code being spent) a recovery code.
  await page.getByTestId("security-key-name").fill("Desk key");
  await page.getByTestId("security-key-add").click();
  await expect(page.getByTestId("step-up-dialog")).toBeVisible();
  await page.getByTestId("step-up-password").fill(PASSWORD);
  await page.getByTestId("step-up-code").fill(recovery);
  await page.getByTestId("step-up-confirm").click();
  await expect(page.getByTestId("security-key-list")).toContainText("Desk key");
  // The key lives in the authenticator, not in the panel: only its public key went to the server.
  expect((await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials).toHaveLength(1);

  // Signed out, then in again: the key answers instead of a code.
  await page.getByTestId("sign-out").click();
  await page.waitForURL(/\/login/);
  await signInWithPassword();
  await expect(page.getByTestId("login-code")).toBeVisible();
  await page.getByTestId("login-key").click();
  await expect(page.getByTestId("user-menu")).toContainText("kim");

  // Step-up with the key: removing it asks for the password again, and the key answers for the second factor.
  await page.goto("/account");
  const remove = page.getByTestId("security-key-list").getByRole("button");
  await remove.click();
  await expect(page.getByTestId("step-up-dialog")).toBeVisible();
  await page.getByTestId("step-up-password").fill(PASSWORD);
  await page.getByTestId("step-up-key").click();
  await expect(page.getByTestId("security-key-list").locator("li")).toHaveCount(0);

  // The audit trail has each step (as the administrator sees it).
  const audit = (await (await request.get("/api/audit?actor=kim")).json()) as {
    entries: Array<{ action: string; result: string }>;
  };
  const actions = audit.entries.map((e) => `${e.action}:${e.result}`);
  expect(actions).toEqual(expect.arrayContaining(["auth.sign-in-key:ok", "auth.step-up-key:ok"]));
  await context.close();
});
