/**
 * Onboarding a host from the browser, against a real OpenSSH sshd on 127.0.0.1 (standing in for a new host): the
 * presented key's fingerprint is shown; a wrong fingerprint is refused with its field; the right one pins it and
 * shows the authorized_keys line; with the line on the "host", the connection test reaches the agent; after the
 * host's key is swapped, the test is refused and the host is marked, until its new key is confirmed.
 */
import fs from "node:fs";
import path from "node:path";
import { startSshd, type SshdHandle } from "../helpers/sshd";
import type { APIRequestContext } from "@playwright/test";
import { expect, test } from "./fixtures";

let sshd: SshdHandle | null = null;
let second: SshdHandle | null = null;
test.afterAll(async () => {
  await sshd?.stop();
  await second?.stop();
});

test("a host is onboarded from the browser: key read, fingerprint confirmed, line installed, connection tested; a swapped key is refused; a connected pair is offered as the farm", async ({
  page,
  request,
}) => {
  test.setTimeout(120_000);
  sshd = await startSshd();
  await page.goto("/");
  await page.getByTestId("language-switcher").selectOption("en");
  await page.getByTestId("hosts-link").click();
  await page.getByTestId("host-name").fill("xen3");
  await page.getByTestId("host-address").fill("127.0.0.1");
  await page.getByTestId("host-port").fill(String(sshd.port));
  await page.getByTestId("host-user").fill(sshd.username);
  await page.getByTestId("host-scan").click();
  const card = page.getByTestId("onboard-xen3");
  await expect(page.getByTestId("onboard-xen3-presented")).toContainText(sshd.hostKeySha256);
  await expect(page.getByTestId("onboard-xen3-status")).toContainText("not trusted yet");

  await page.getByTestId("onboard-xen3-fingerprint").fill("SHA256:" + "A".repeat(43));
  await page.getByTestId("onboard-xen3-pin").click();
  await expect(page.getByTestId("hosts-error")).toContainText("fingerprint");
  await page.getByTestId("onboard-xen3-fingerprint").fill(sshd.hostKeySha256);
  await page.getByTestId("onboard-xen3-pin").click();
  const line = (await page.getByTestId("onboard-xen3-line").innerText()).trim();
  expect(line).toMatch(/^restrict,from="127\.0\.0\.1",command="[^"]+" ssh-ed25519 \S+ tandem-panel@xen3$/);
  await expect(page.getByTestId("onboard-xen3-status")).toContainText("key pinned");

  // On the "host": the line, with the forced command pointing at this checkout's agent (this machine has no xl).
  const agent = `${process.execPath} ${path.resolve("agents/dist/tandem-agent.js")} serve --hypervisor xen-xl`;
  const installed = line.replace(/command="[^"]*"/, `command="${agent}"`);
  fs.appendFileSync(path.join(sshd.dir, "authorized_keys"), installed + "\n");
  await page.getByTestId("onboard-xen3-test").click();
  await expect(page.getByTestId("onboard-xen3-status")).toContainText("connected");
  await expect(page.getByTestId("onboard-xen3-result")).toContainText("agent");

  // The host is reinstalled (or something else answers at its address): another host key.
  const port = sshd.port;
  await sshd.stop();
  sshd = await startSshd({ port, authorizedKeys: [installed] });
  await page.getByTestId("onboard-xen3-test").click();
  await expect(page.getByTestId("onboard-xen3-status")).toContainText("KEY CHANGED");
  await expect(page.getByTestId("hosts-error")).toContainText("does not match the pinned key");
  await page.getByTestId("onboard-xen3-rescan").click();
  await expect(page.getByTestId("onboard-xen3-presented")).toContainText(sshd.hostKeySha256);
  await page.getByTestId("onboard-xen3-fingerprint").fill(sshd.hostKeySha256);
  await page.getByTestId("onboard-xen3-pin").click();
  await page.getByTestId("onboard-xen3-test").click();
  await expect(page.getByTestId("onboard-xen3-status")).toContainText("connected");
  await expect(card).not.toContainText("PRIVATE KEY");

  // A second connected host: the pair can become the farm. A bad mount point is refused with its field and nothing
  // is stored (the restart onto the hosts is tested in tests/restart/onboarded-farm.test.ts: it would end this panel).
  second = await startSshd();
  await onboardByApi(request, "xen4", second, agent);
  await page.reload();
  await expect(page.getByTestId("farm-source-current")).toContainText("simulated farm");
  await page.getByTestId("farm-source-host-0").selectOption("xen3");
  await page.getByTestId("farm-source-host-1").selectOption("xen4");
  await page.getByTestId("farm-source-mounts").fill("r1 srv/r1");
  await page.getByTestId("farm-source-choose").click();
  await page.getByTestId("farm-source-confirm").click();
  await expect(page.getByTestId("farm-source-error")).toContainText("resources.0.mountPoint");
  await page.getByTestId("farm-source-host-1").selectOption("xen3");
  await page.getByTestId("farm-source-mounts").fill("r1 /srv/r1");
  await page.getByTestId("farm-source-choose").click();
  await page.getByTestId("farm-source-confirm").click();
  await expect(page.getByTestId("farm-source-error")).toContainText("two different hosts");
  expect((await (await request.get("/api/farm/source")).json()).chosen).toBeNull();
  await expect(page.getByTestId("farm-source-current")).toContainText("simulated farm");
});

/** Scan, pin and test through the API, the line on the "host" with the forced command at `agent`. */
async function onboardByApi(request: APIRequestContext, name: string, sshd: SshdHandle, agent: string) {
  const scanned = await request.post("/api/onboarding", {
    data: { name, address: "127.0.0.1", port: sshd.port, user: sshd.username },
  });
  expect(scanned.status()).toBe(201);
  const pinned = await request.post(`/api/onboarding/${name}/pin`, {
    data: { fingerprint: sshd.hostKeySha256 },
  });
  const line = ((await pinned.json()) as { authorizedKeysLine: string }).authorizedKeysLine;
  fs.appendFileSync(
    path.join(sshd.dir, "authorized_keys"),
    line.replace(/command="[^"]*"/, `command="${agent}"`) + "\n",
  );
  expect((await request.post(`/api/onboarding/${name}/test`)).status()).toBe(200);
}
