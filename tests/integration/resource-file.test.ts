/** Resource files the agent writes are checked by the real drbdadm (Debian's drbd-utils, installed by .ci/run). */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  readResourceFile,
  renderResourceFile,
  validateResourceFile,
  writeResourceFile,
  type TDrbdResourceSpec,
} from "../../agents/drivers/drbd/resource-file";
import { INJECTION_CORPUS } from "../helpers/injection";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-drbd-d-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// drbdadm only accepts a file with an `on` section for this machine's hostname.
const spec: TDrbdResourceSpec = {
  name: "r1",
  minor: 1,
  port: 7789,
  hosts: [
    { name: os.hostname(), address: "10.0.0.1", disk: "/dev/vg0/r1" },
    { name: "xen2", address: "10.0.0.2", disk: "/dev/vg0/r1" },
  ],
};

describe("DRBD resource files", () => {
  it.each(["9", "8.4"] as const)(
    "renders %s syntax that the real drbdadm accepts, with safe defaults",
    async (syntax) => {
      const content = renderResourceFile(spec, syntax);
      const dump = await validateResourceFile(content, "r1", syntax);
      expect(dump).toMatch(/resource r1 \{/);
      expect(dump).toMatch(/protocol\s+C;/);
      expect(dump).toMatch(/allow-two-primaries\s+no;/);
      for (const pri of ["0pri", "1pri", "2pri"])
        expect(dump).toMatch(new RegExp(`after-sb-${pri}\\s+disconnect;`));
      expect(dump).toMatch(/fencing\s+resource-only;/);
      expect(dump).toMatch(/address\s+ipv4 10\.0\.0\.2:7789;/);
    },
  );

  it("writes atomically, keeps the previous version, and reads back", async () => {
    const first = await writeResourceFile(dir, "r1", renderResourceFile(spec));
    expect(first).toEqual({ path: path.join(dir, "r1.res"), previousPath: null });
    const v2 = renderResourceFile({ ...spec, port: 7790 });
    const second = await writeResourceFile(dir, "r1", v2);
    expect(second.previousPath).toBe(path.join(dir, "r1.res.prev"));
    expect(readResourceFile(dir, "r1")).toBe(v2);
    expect(fs.readFileSync(second.previousPath!, "utf8")).toContain(":7789;");
    expect(fs.readdirSync(dir).sort()).toEqual(["r1.res", "r1.res.prev"]);
  });

  it("refuses a file drbdadm rejects, and changes nothing", async () => {
    const before = readResourceFile(dir, "r1");
    const broken = renderResourceFile(spec).replace("meta-disk internal;", "meta-disk internal");
    await expect(writeResourceFile(dir, "r1", broken)).rejects.toMatchObject({ code: "DRBD_CONFIG_INVALID" });
    const notThisHost = renderResourceFile({
      ...spec,
      hosts: [{ ...spec.hosts[0]!, name: "xen9" }, spec.hosts[1]!],
    });
    await expect(writeResourceFile(dir, "r1", notThisHost)).rejects.toMatchObject({
      code: "DRBD_CONFIG_INVALID",
    });
    expect(readResourceFile(dir, "r1")).toBe(before);
    expect(fs.readdirSync(dir).sort()).toEqual(["r1.res", "r1.res.prev"]);
  });

  it.each(INJECTION_CORPUS)("refuses %j in any field before running anything", (bad) => {
    const withHost = (patch: object) => ({
      ...spec,
      hosts: [{ ...spec.hosts[0]!, ...patch }, spec.hosts[1]!],
    });
    expect(() => renderResourceFile({ ...spec, name: bad })).toThrow();
    expect(() => renderResourceFile(withHost({ name: bad }))).toThrow();
    expect(() => renderResourceFile(withHost({ address: bad }))).toThrow();
    // In a path, what could break out of the file's syntax (or out of the directory) is refused.
    const unsafeInPath = /[^A-Za-z0-9._+/-]/.test(bad) || bad === "" || bad.split("/").includes("..");
    if (unsafeInPath) expect(() => renderResourceFile(withHost({ disk: `/dev/${bad}` }))).toThrow();
  });

  it("reports a missing file as NOT_FOUND", () => {
    expect(() => readResourceFile(dir, "r9")).toThrow(expect.objectContaining({ code: "NOT_FOUND" }));
  });
});
