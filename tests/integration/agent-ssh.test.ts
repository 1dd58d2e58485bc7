import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentClient } from "../../lib/agent-client/client";
import { agentArgvOverSsh, createTempSimFarm, waitFor, type TempSimFarm } from "../helpers/sim";
import { sshTransportTo, startSshd, type SshdHandle } from "../helpers/sshd";

let farm: TempSimFarm;
let sshd: SshdHandle;

beforeAll(async () => {
  farm = createTempSimFarm();
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.stop();
  farm?.remove();
});

const agentArgv = (host: string) => agentArgvOverSsh(farm, host);

function client(hostKeySha256: string | null): AgentClient {
  return new AgentClient("xen1", sshTransportTo(sshd, agentArgv("xen1"), { hostKeySha256 }), {
    initialBackoffMs: 100,
  });
}

describe("the agent over real SSH (OpenSSH sshd on 127.0.0.1)", () => {
  it("runs the agent on an exec channel and answers like the local transport", async () => {
    const c = client(sshd.hostKeySha256);
    c.start();
    try {
      await waitFor(() => c.state === "ready", 15_000, "agent ready over ssh");
      expect(c.hello).toMatchObject({ protocolVersion: 1, simulated: true });
      const facts = await c.call("host.facts", {});
      expect(facts.hostname).toBe("xen1");
      const drbd = await c.call("drbd.status", {});
      expect(drbd.resources.map((r) => r.name)).toEqual(["r1", "r2", "r3", "r4"]);
      const { vms } = await c.call("vm.list", {});
      expect(vms.filter((v) => v.state === "running")).toHaveLength(7);
      const notified = new Promise<string>((resolve) =>
        c.onNotification((name, params) => {
          if (name === "vm.changed" && JSON.stringify(params).includes('"name":"irc1","domId":null'))
            resolve(name);
        }),
      );
      farm.onHost("xen1", "xl", "shutdown", "irc1");
      await expect(notified).resolves.toBe("vm.changed");
    } finally {
      c.stop();
    }
  });

  it("refuses a host whose key does not match the pinned fingerprint", async () => {
    const wrong = "SHA256:" + Buffer.alloc(32, 7).toString("base64").replace(/=+$/, "");
    const c = client(wrong);
    c.start();
    try {
      await waitFor(() => c.lastError, 10_000, "refusal");
      expect(c.state).not.toBe("ready");
      expect(c.lastError?.code).toBe("HOST_KEY_CHANGED");
      expect(c.lastError?.details).toMatchObject({ presentedHostKeySha256: sshd.hostKeySha256 });
      await expect(c.call("host.facts", {})).rejects.toMatchObject({ code: "HOST_UNREACHABLE" });
    } finally {
      c.stop();
    }
  });

  it("refuses a host when no key is pinned, showing the key to check", async () => {
    const c = client(null);
    c.start();
    try {
      await waitFor(() => c.lastError, 10_000, "refusal");
      expect(c.lastError?.code).toBe("HOST_KEY_UNKNOWN");
      expect(c.lastError?.details).toMatchObject({ presentedHostKeySha256: sshd.hostKeySha256 });
    } finally {
      c.stop();
    }
  });
});
