/**
 * The e2e suites' `test`: every test runs signed in as the administrator the first-run spec created (its cookie in
 * E2E_STATE), and has proved its password (step-up) at its start, as a person would in the dialog; `request`
 * carries the panel's Origin, as the panel's own pages do, so its writes pass the CSRF check.
 */
import { test as base } from "@playwright/test";

export const E2E_STATE = ".tmp/e2e-state.json";
export const E2E_ADMIN = { username: "admin", password: "correct horse battery staple" };

export const test = base.extend<{ stepUp: void }>({
  request: async ({ playwright, baseURL }, provide) => {
    const ctx = await playwright.request.newContext({
      baseURL: baseURL ?? "",
      storageState: E2E_STATE,
      extraHTTPHeaders: { origin: baseURL ?? "" },
    });
    await provide(ctx);
    await ctx.dispose();
  },
  stepUp: [
    async ({ request }, provide) => {
      const res = await request.post("/api/auth/step-up", { data: { password: E2E_ADMIN.password } });
      if (!res.ok()) throw new Error(`step-up: ${res.status()} ${await res.text()}`);
      await provide();
    },
    { auto: true },
  ],
});
export { expect } from "@playwright/test";
