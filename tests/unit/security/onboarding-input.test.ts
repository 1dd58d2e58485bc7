/**
 * S2 for what host onboarding takes from an administrator and puts into an SSH connection or a host's
 * authorized_keys: every hostile string of the injection corpus is refused with its field named, and what is
 * accepted can only ever be one option list and one quoted command in the authorized_keys line.
 */
import { describe, expect, it } from "vitest";
import { ZInstallRequest, ZOnboardRequest } from "../../../lib/hosts/service";
import { authorizedKeysLine } from "../../../lib/agent-install/authorized-keys";
import { ZFarmSelection } from "../../../lib/hosts/farm-source";
import { INJECTION_CORPUS } from "../../helpers/injection";

const VALID = { name: "xen3", address: "192.0.2.10" };
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTestsOnly0000000000000000000000";

describe("onboarding input (S2)", () => {
  it("refuses every hostile name, address, user, agent path and node path, naming the field", () => {
    for (const field of ["name", "address", "user", "agentPath", "nodePath"] as const)
      for (const evil of INJECTION_CORPUS) {
        // (A plain long name or a plain relative word is not an injection for every field; those are refused below.)
        if (field === "name" && /^[a-zA-Z0-9][a-zA-Z0-9.-]{0,62}$/.test(evil)) continue;
        if (field === "address" && /^([a-zA-Z0-9][a-zA-Z0-9.-]{0,252})$/.test(evil)) continue;
        if (field === "user" && /^[a-z_][a-z0-9_-]{0,31}$/.test(evil)) continue;
        const parsed = ZOnboardRequest.safeParse({ ...VALID, [field]: evil });
        expect(parsed.success, `${field}: ${JSON.stringify(evil)}`).toBe(false);
        expect(parsed.error?.issues[0]?.path, JSON.stringify(evil)).toEqual([field]);
      }
    expect(ZOnboardRequest.safeParse({ ...VALID, port: 0 }).success).toBe(false);
    expect(ZOnboardRequest.safeParse({ ...VALID, extra: 1 }).success).toBe(false);
  });

  it("refuses an authorized_keys path that climbs out or holds anything but a plain path", () => {
    for (const evil of [
      ...INJECTION_CORPUS.filter((e) => !/^[A-Za-z0-9._/-]+$/.test(e) || e.includes("..")),
      "../../etc/passwd",
      "a/../../b",
    ])
      expect(ZInstallRequest.safeParse({ authorizedKeysPath: evil }).success, JSON.stringify(evil)).toBe(
        false,
      );
    expect(ZInstallRequest.parse({}).authorizedKeysPath).toBe(".ssh/authorized_keys");
  });

  it("whatever passes validation, the authorized_keys line has exactly one option list and one quoted command", () => {
    const accepted = ZOnboardRequest.parse({
      ...VALID,
      agentPath: "/opt/tandem/agent.js",
      nodePath: "/usr/bin/node",
    });
    const line = authorizedKeysLine({
      publicKey: KEY,
      agentPath: accepted.agentPath,
      nodePath: accepted.nodePath,
      from: "192.0.2.1",
    });
    expect(line.match(/"/g)).toHaveLength(4);
    expect(line.split(" ").filter((w) => w.startsWith("ssh-"))).toHaveLength(1);
    for (const evil of INJECTION_CORPUS) {
      expect(() => authorizedKeysLine({ publicKey: KEY, from: evil }), JSON.stringify(evil)).toThrow();
      // (A corpus entry made only of path characters is a plain file name here, such as /x-rf.)
      if (!/^[A-Za-z0-9._+/-]*$/.test(evil))
        expect(
          () => authorizedKeysLine({ publicKey: KEY, agentPath: `/x${evil}` }),
          JSON.stringify(evil),
        ).toThrow();
    }
  });

  it("the farm's pair: two different hosts, a sane standby, mount points that are plain absolute paths", () => {
    const field = (body: unknown) => {
      const parsed = ZFarmSelection.safeParse(body);
      return parsed.success ? null : parsed.error.issues[0]?.path.join(".");
    };
    expect(ZFarmSelection.parse({ hosts: ["xen1", "xen2"] })).toEqual({
      hosts: ["xen1", "xen2"],
      standbyMiB: 1024,
      resources: [],
    });
    expect(field({ hosts: ["xen1", "xen1"] })).toBe("hosts");
    expect(field({ hosts: ["xen1"] })).toBe("hosts");
    expect(field({ hosts: ["xen1", "xen2", "xen3"] })).toBe("hosts");
    expect(field({ hosts: ["xen1", "xen2"], standbyMiB: -1 })).toBe("standbyMiB");
    expect(field({ hosts: ["xen1", "xen2"], standbyMiB: 1.5 })).toBe("standbyMiB");
    const resources = (mountPoint: unknown, name = "r1") => ({
      hosts: ["xen1", "xen2"],
      resources: [{ name, mountPoint }],
    });
    expect(field(resources("srv/r1"))).toBe("resources.0.mountPoint");
    expect(field(resources(null))).toBeNull();
    for (const evil of INJECTION_CORPUS) {
      if (/^\/[A-Za-z0-9._+/-]*$/.test(evil) && !evil.includes("..") && !evil.includes("//")) continue;
      expect(field(resources(evil)), JSON.stringify(evil)).toBe("resources.0.mountPoint");
      if (!/^[A-Za-z0-9][A-Za-z0-9_.+-]{0,62}$/.test(evil))
        expect(field(resources("/srv/r1", evil)), JSON.stringify(evil)).toBe("resources.0.name");
      expect(field({ hosts: ["xen1", evil] }), JSON.stringify(evil)).toBe(
        /^[a-zA-Z0-9][a-zA-Z0-9.-]{0,62}$/.test(evil) ? null : "hosts.1",
      );
    }
    expect(
      field({
        hosts: ["xen1", "xen2"],
        resources: [
          { name: "r1", mountPoint: null },
          { name: "r1", mountPoint: null },
        ],
      }),
    ).toBe("resources");
  });
});
