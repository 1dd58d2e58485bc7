import { describe, expect, it } from "vitest";
import { r5Request } from "../../helpers/resources";
import {
  checkCreateResource,
  ZCreateResourceRequest,
  type HostStorageFacts,
  type TCreateResourceRequest,
} from "../../../lib/resources/create";

const GiB = 1024 ** 3;
/** Each host as the simulated farm has it: vg0 of 2200 GiB with r1..r4 (500 GiB each), 200 GiB free. */
function host(name: string, address: string, port: (base: number) => number): HostStorageFacts {
  const resources = [1, 2, 3, 4].map((n) => ({
    name: `r${n}`,
    hosts: ["xen1", "xen2"].map((h) => ({
      name: h,
      volumes: [{ minor: n, disk: `/dev/vg0/r${n}` }],
      port: h === "xen1" ? 7788 + n : port(7788 + n),
    })),
  }));
  return {
    host: name,
    reachable: true,
    vgs: [{ name: "vg0", sizeBytes: 2200 * GiB, freeBytes: 200 * GiB }],
    lvs: [
      ...[1, 2, 3, 4].map((n) => ({ vg: "vg0", lv: `r${n}`, sizeBytes: 500 * GiB })),
      { vg: "vg0", lv: "spare", sizeBytes: 10 * GiB },
      {
        vg: "vg0",
        lv: name === "xen1" ? "spare-a" : "spare-b",
        sizeBytes: name === "xen1" ? 10 * GiB : 12 * GiB,
      },
    ],
    configured: resources,
    addresses: [address],
    mountPoints: ["/", "/srv/r1"],
    drbdSyntax: "9",
  };
}
const FACTS = [host("xen1", "10.0.0.1", (p) => p + 100), host("xen2", "10.0.0.2", (p) => p + 100)];
const FARM = {
  hosts: ["xen1", "xen2"],
  mountPoints: [
    { resource: "r1", mountPoint: "/srv/r1" },
    { resource: "r2", mountPoint: "/srv/r2" },
  ],
};
const request = (r: Record<string, unknown> = {}): TCreateResourceRequest =>
  r5Request({ sizeMiB: 10240, ...r });
const check = (r: Record<string, unknown> = {}, facts = FACTS) =>
  checkCreateResource(request(r), facts, FARM);
const errorsOf = (r: Record<string, unknown>, facts = FACTS) => check(r, facts).errors;

describe("a new resource: proposals and the file", () => {
  it("proposes the lowest minor and port free on both hosts, and renders one file for both", () => {
    const c = check();
    expect(c.errors).toEqual([]);
    expect(c.minor).toBe(0); // r1..r4 use 1..4
    expect(c.port).toBe(7788); // 7789..7792 and xen2's 7889..7892 are taken
    expect(c.backing).toEqual([
      { host: "xen1", device: "/dev/vg0/r5", vg: "vg0", create: true },
      { host: "xen2", device: "/dev/vg0/r5", vg: "vg0", create: true },
    ]);
    expect(c.sizeBytes).toBe(10 * GiB);
    expect(c.file).toContain("device /dev/drbd0;");
    expect(c.file).toContain("address ipv4 10.0.0.2:7788;");
    expect(c.file).toContain("after-sb-0pri disconnect;");
    expect(c.file).toContain("fencing resource-only;");
  });

  it("explains protocols A and B, and a full sync", () => {
    expect(check({ protocol: "A" }).warnings.join(" ")).toMatch(/last writes may be lost/);
    expect(check({ initialSync: "full" }).warnings.join(" ")).toMatch(
      /full initial sync copies 10240 MiB from xen1/,
    );
  });
});

describe("a new resource: every refusal names its field and rule, and there is no file", () => {
  it.each([
    [{ name: "r1" }, "name", /is taken: a resource r1 is configured on xen1/],
    [{ minor: 3 }, "minor", /is taken by r3 on xen1/],
    [{ port: 7890 }, "port", /is taken by r2 on xen1/],
    [{ sizeMiB: 300 * 1024 }, "sizeMiB", /307200 MiB does not fit in vg0 on xen1: 204800 MiB free/],
    [
      {
        hosts: [
          { host: "xen1", vg: "vg1", address: "10.0.0.1" },
          { host: "xen2", vg: "vg0", address: "10.0.0.2" },
        ],
      },
      "hosts.0.vg",
      /xen1 has no volume group vg1 \(it has vg0\)/,
    ],
    [
      {
        hosts: [
          { host: "xen1", vg: "vg0", address: "10.0.0.9" },
          { host: "xen2", vg: "vg0", address: "10.0.0.2" },
        ],
      },
      "hosts.0.address",
      /10.0.0.9 is not an address of xen1 \(it has 10.0.0.1\)/,
    ],
    [
      {
        hosts: [
          { host: "xen1", device: "/dev/vg0/spare-a", address: "10.0.0.1" },
          { host: "xen2", device: "/dev/vg0/spare-b", address: "10.0.0.2" },
        ],
        sizeMiB: undefined,
        initialSync: "full",
      },
      "hosts.1.device",
      /must be the same size: 10240 MiB on xen1, 12288 MiB on xen2/,
    ],
    [
      {
        hosts: [
          { host: "xen1", device: "/dev/vg0/r2", address: "10.0.0.1" },
          { host: "xen2", vg: "vg0", address: "10.0.0.2" },
        ],
      },
      "hosts.0.device",
      /\/dev\/vg0\/r2 on xen1 is already the backing device of r2/,
    ],
    [
      {
        hosts: [
          { host: "xen1", device: "/dev/vg0/spare", address: "10.0.0.1" },
          { host: "xen2", device: "/dev/vg0/spare", address: "10.0.0.2" },
        ],
      },
      "initialSync",
      /only when both backing volumes are new/,
    ],
    [
      { filesystem: { type: "ext4", mountPoint: "/srv/r2" } },
      "filesystem.mountPoint",
      /is the mount point of r2/,
    ],
    [
      { filesystem: { type: "ext4", mountPoint: "/" } },
      "filesystem.mountPoint",
      /already mounted on \/ on xen1/,
    ],
    [{ liveMigration: true }, "filesystem", /ext4 is not a cluster filesystem/],
    [{ initialPrimary: "xen3" }, "initialPrimary", /must be one of the resource's hosts/],
  ])("%o → %s", (r, field, message) => {
    const c = check(r);
    expect(c.errors.map((e) => e.field)).toContain(field);
    expect(c.errors.find((e) => e.field === field)!.message).toMatch(message);
    expect(c.file).toBeNull();
  });

  it("a host that does not answer: nothing else is judged", () => {
    const errors = errorsOf({}, [FACTS[0]!, { ...FACTS[1]!, reachable: false }]);
    expect(errors).toEqual([
      { field: "hosts.1.host", message: "xen2 does not answer: both hosts must be up to create a resource" },
    ]);
  });

  it.each([
    [{ name: "r5; rm -rf /" }, "name"],
    [{ name: "-r5" }, "name"],
    [{ name: "r".repeat(64) }, "name"],
    [
      {
        hosts: [
          { host: "xen1", vg: "vg0", address: "10.0.0.300" },
          { host: "xen2", vg: "vg0", address: "10.0.0.2" },
        ],
      },
      "hosts.0.address",
    ],
    [
      {
        hosts: [
          { host: "xen1", vg: "vg0", device: "/dev/vg0/x", address: "10.0.0.1" },
          { host: "xen2", vg: "vg0", address: "10.0.0.2" },
        ],
      },
      "hosts.0.vg",
    ],
    [{ port: 80 }, "port"],
    [{ protocol: "D" }, "protocol"],
    [{ fencing: "dont-care" }, "fencing"],
    [{ filesystem: { type: "ext4", mountPoint: "/srv/../etc" } }, "filesystem.mountPoint"],
    [{ surprise: 1 }, ""],
  ])("the request's own shape: %o is refused at %s", (r, field) => {
    const parsed = ZCreateResourceRequest.safeParse({
      name: "r5",
      sizeMiB: 1024,
      hosts: [
        { host: "xen1", vg: "vg0", address: "10.0.0.1" },
        { host: "xen2", vg: "vg0", address: "10.0.0.2" },
      ],
      initialPrimary: "xen1",
      initialSync: "skip",
      ...r,
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.path.join(".")).toBe(field);
  });
});
