import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadFarmConfig } from "../../lib/config";
import { AppError } from "../../lib/errors";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-config-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const PIN = "SHA256:" + "A".repeat(43);
const goodHost = (name: string) => ({
  name,
  address: `${name}.example`,
  privateKeyPath: "/etc/tandem/id",
  hostKeySha256: PIN,
});

function write(content: unknown): string {
  const file = path.join(dir, `c${Math.random()}.json`);
  fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

function errorOf(content: unknown): AppError {
  try {
    loadFarmConfig(write(content));
  } catch (err) {
    return err as AppError;
  }
  throw new Error("expected the config to be refused");
}

describe("loadFarmConfig", () => {
  it("returns null when there is no config file (the simulated farm runs)", () => {
    expect(loadFarmConfig(path.join(dir, "absent.json"))).toBeNull();
  });

  it("runs the agent from where the panel installs it unless told otherwise", () => {
    const config = loadFarmConfig(
      write({
        hosts: [
          { ...goodHost("xen1"), agentPath: "/opt/tandem/agent.js" },
          { ...goodHost("xen2"), agentCommand: ["/usr/local/bin/tandem-agent", "serve"] },
        ],
      }),
    );
    expect(config?.hosts[0]?.agentCommand).toEqual(["node", "/opt/tandem/agent.js", "serve"]);
    expect(config?.hosts[1]?.agentCommand).toEqual(["/usr/local/bin/tandem-agent", "serve"]);
  });

  it("takes a fence device per host, with a 60 s default timeout", () => {
    const command = [
      "fence_ipmilan",
      "--lanplus",
      "--ip=10.0.0.11",
      "--username=admin",
      "--password-script=/etc/tandem/bmc",
    ];
    const config = loadFarmConfig(
      write({ hosts: [{ ...goodHost("xen1"), fence: { command } }, goodHost("xen2")] }),
    );
    expect(config?.hosts[0]?.fence).toEqual({ command, timeoutSec: 60 });
    expect(config?.hosts[1]?.fence).toBeUndefined();
  });

  it("fills defaults: port 22, user root, the agent command, 1 GiB standby", () => {
    const config = loadFarmConfig(write({ hosts: [goodHost("xen1"), goodHost("xen2")] }));
    expect(config?.hosts[0]).toEqual({
      ...goodHost("xen1"),
      port: 22,
      user: "root",
      agentPath: "/usr/local/lib/tandem/tandem-agent.js",
      agentCommand: ["node", "/usr/local/lib/tandem/tandem-agent.js", "serve"],
      standbyMiB: 1024,
    });
    expect(config?.resources).toEqual([]);
  });

  it.each([
    [
      { hosts: [goodHost("xen1"), { ...goodHost("xen2"), hostKeySha256: "md5:ab" }] },
      "hosts.1.hostKeySha256",
      /SHA256/,
    ],
    [{ hosts: [goodHost("xen1")] }, "hosts", /exactly two hosts/],
    [
      { hosts: [goodHost("xen1"), { ...goodHost("xen2"), name: "xen2; rm -rf /" }] },
      "hosts.1.name",
      /hostname/,
    ],
    [{ hosts: [goodHost("xen1"), { ...goodHost("xen2"), port: 70000 }] }, "hosts.1.port", /65535/],
    [
      {
        hosts: [
          goodHost("xen1"),
          { ...goodHost("xen2"), fence: { command: ["fence_ipmilan", "--action=reboot"] } },
        ],
      },
      "hosts.1.fence.command",
      /must not contain --action/,
    ],
    [
      {
        hosts: [
          goodHost("xen1"),
          { ...goodHost("xen2"), fence: { command: ["fence_ipmilan", "-o", "off"] } },
        ],
      },
      "hosts.1.fence.command",
      /must not contain --action or -o/,
    ],
    [
      { hosts: [goodHost("xen1"), { ...goodHost("xen2"), fence: { command: [] } }] },
      "hosts.1.fence.command",
      /fence agent/,
    ],
    [
      { hosts: [goodHost("xen1"), { ...goodHost("xen2"), agentPath: "/opt/../etc/x.js" }] },
      "hosts.1.agentPath",
      /normalized/,
    ],
    [{ hosts: [goodHost("xen1"), { ...goodHost("xen2"), pasword: "x" }] }, "hosts.1", /pasword/],
    [
      { hosts: [goodHost("xen1"), goodHost("xen2")], resources: [{ name: "r1", mountPoint: "srv" }] },
      "resources.0.mountPoint",
      /\//,
    ],
  ])("refuses %j naming %s", (content, field, rule) => {
    const err = errorOf(content);
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe("VALIDATION_FAILED");
    expect(err.details.field).toBe(field);
    expect(err.message).toMatch(rule);
  });

  it("refuses a file that is not JSON", () => {
    expect(errorOf("{ hosts: ").message).toMatch(/not valid JSON/);
  });
});
