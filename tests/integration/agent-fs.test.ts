/** The fs.* methods through the real agent, on the real e2fsprogs/util-linux tools, with a file as the device. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentClient } from "../../lib/agent-client/client";
import { startBundledAgent } from "../helpers/sim";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-fs-"));
const image = path.join(dir, "r5.img");
let client: AgentClient;

beforeAll(async () => {
  fs.writeFileSync(image, Buffer.alloc(0));
  fs.truncateSync(image, 16 * 1024 * 1024);
  client = await startBundledAgent("fs", {
    xenConfigDir: dir,
    path: `/usr/sbin:/sbin:${process.env.PATH ?? ""}`,
  });
});
afterAll(() => {
  client?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("fs methods on real tools", () => {
  it("blkid sees no filesystem on an empty device, mkfs.ext4 makes one, blkid and fsck then read it", async () => {
    expect(await client.call("fs.blkid", { device: image })).toEqual({ type: null, uuid: null, label: null });
    expect(await client.call("fs.mkfsExt4", { device: image, label: "r5" })).toEqual({ ok: true });
    const id = await client.call("fs.blkid", { device: image });
    expect(id).toMatchObject({ type: "ext4", label: "r5" });
    expect(id.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(await client.call("fs.fsck", { device: image })).toMatchObject({ exitCode: 0, clean: true });
  });

  it("isMounted reads /proc/mounts", async () => {
    expect(await client.call("fs.isMounted", { mountPoint: "/" })).toMatchObject({ mounted: true });
    expect(await client.call("fs.isMounted", { mountPoint: dir })).toEqual({
      mounted: false,
      device: null,
      fsType: null,
    });
  });

  it("a mount that fails reports the command's evidence", async () => {
    const err = await client
      .call("fs.mount", { device: path.join(dir, "absent"), mountPoint: dir })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: "COMMAND_FAILED",
      details: { argv: ["mount", "--", path.join(dir, "absent"), dir] },
    });
  });
});
