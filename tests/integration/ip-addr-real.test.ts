/** The parser of `ip -json -4 addr show` against the real iproute2 of this machine (installed by .ci/run). */
import { spawnSync } from "node:child_process";
import os from "node:os";
import { describe, expect, it } from "vitest";
import { ipAddrArgv, parseIpAddrJson } from "../../agents/drivers/net/ip-addr";

describe("ip -json -4 addr show, parsed", () => {
  it("finds loopback (scope host) and every IPv4 address Node sees on this machine", () => {
    const [cmd, ...args] = ipAddrArgv();
    const r = spawnSync(cmd!, args, { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const addresses = parseIpAddrJson(r.stdout);
    expect(addresses).toContainEqual(
      expect.objectContaining({
        interface: "lo",
        address: "127.0.0.1",
        prefixLength: 8,
        scope: "host",
        up: true,
      }),
    );
    const fromNode = Object.entries(os.networkInterfaces())
      .flatMap(([name, list]) =>
        (list ?? []).filter((a) => a.family === "IPv4").map((a) => [name, a.address]),
      )
      .sort();
    expect(addresses.map((a) => [a.interface, a.address]).sort()).toEqual(fromNode);
  });

  it("refuses what is not iproute2's JSON", () => {
    expect(() => parseIpAddrJson("1: lo: <LOOPBACK,UP>")).toThrow(/not JSON/);
    expect(() => parseIpAddrJson('{"ifname":"lo"}')).toThrow(/unexpected shape/);
  });
});
