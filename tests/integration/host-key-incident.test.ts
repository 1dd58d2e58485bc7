/**
 * S1, end to end: a host whose SSH key changed (here: a real OpenSSH sshd whose key is not the pinned one, as after
 * a reinstall or a man in the middle) is refused, and the monitor opens a critical "host key changed" incident with
 * both fingerprints, while the other host, whose key matches, is managed as usual.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FarmService } from "../../lib/farm/farm-service";
import { InventoryStore } from "../../lib/farm/inventory";
import { RunbookEngine } from "../../lib/runbooks/engine";
import type { Db } from "../../lib/db";
import { agentArgvOverSsh, createTempSimFarm, waitFor, type TempSimFarm } from "../helpers/sim";
import { sshTransportTo, startSshd, type SshdHandle } from "../helpers/sshd";
import { migratedDb, SIM_RESOURCES, startMonitor } from "../helpers/runbooks";

let farm: TempSimFarm;
let sshd: SshdHandle;
let db: Db;

beforeAll(async () => {
  farm = createTempSimFarm();
  sshd = await startSshd();
  db = migratedDb(farm);
});
afterAll(async () => {
  await db?.$disconnect();
  await sshd?.stop();
  farm?.remove();
});

const agentArgv = (host: string) => agentArgvOverSsh(farm, host);

describe("a swapped host key", () => {
  it("is refused and opens a critical incident; the other host is managed as usual", async () => {
    const pinnedElsewhere = "SHA256:" + Buffer.alloc(32, 9).toString("base64").replace(/=+$/, "");
    const service = new FarmService({
      simulated: false,
      hosts: [
        {
          name: "xen1",
          address: "127.0.0.1",
          transport: sshTransportTo(sshd, agentArgv("xen1"), { hostKeySha256: sshd.hostKeySha256 }),
        },
        {
          name: "xen2",
          address: "127.0.0.1",
          transport: sshTransportTo(sshd, agentArgv("xen2"), { hostKeySha256: pinnedElsewhere }),
        },
      ],
      resources: SIM_RESOURCES,
      inventory: new InventoryStore(db),
    });
    const engine = new RunbookEngine({ farm: service, db, resources: SIM_RESOURCES, pollMs: 100 });
    const monitor = startMonitor(service, engine, db);
    await service.start();
    await monitor.start();
    try {
      await waitFor(
        async () => (await db.incident.count({ where: { kind: "host-key-changed", closedAt: null } })) === 1,
        20_000,
        "the host key incident",
      );
      const incident = await db.incident.findFirstOrThrow({ where: { kind: "host-key-changed" } });
      expect(incident).toMatchObject({ host: "xen2", severity: "critical" });
      expect(incident.detailJson).toContain(sshd.hostKeySha256);
      expect(incident.detailJson).toContain(pinnedElsewhere);
      await waitFor(
        () => service.getView().hosts.find((h) => h.name === "xen1")?.reachable === true,
        20_000,
        "xen1",
      );
      const view = service.getView();
      expect(view.hosts.find((h) => h.name === "xen2")).toMatchObject({
        reachable: false,
        error: { code: "HOST_KEY_CHANGED" },
      });
      expect(view.hosts.find((h) => h.name === "xen1")?.reachable).toBe(true);
      // Nothing of xen2 was read through the refused connection.
      await expect(service.client("xen2").call("host.facts", {})).rejects.toMatchObject({
        code: "HOST_UNREACHABLE",
      });
    } finally {
      monitor.stop();
      service.stop();
    }
  }, 60_000);
});
