/**
 * The two-host lab (`npm run lab:up`): each host is a network namespace with its own address and a real OpenSSH
 * sshd whose only allowed command is the agent. The panel's side reaches them over real SSH with pinned keys.
 */
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentClient } from "../../lib/agent-client/client";
import type { AppError } from "../../lib/errors";
import { FarmService } from "../../lib/farm/farm-service";
import { createSshTransport } from "../../lib/transport/ssh";
import { createDb } from "../../lib/db";
import { SecretBox } from "../../lib/auth/secret-box";
import { OnboardingService, ZOnboardRequest } from "../../lib/hosts/service";
import {
  chooseOnboardedFarm,
  onboardedFarmHosts,
  readFarmSelection,
  ZFarmSelection,
} from "../../lib/hosts/farm-source";
import { r5Request } from "../helpers/resources";
import { waitFor, waitForWholeFarm } from "../helpers/sim";

interface Lab {
  panelAddress: string;
  simDir: string;
  clientKey: string;
  user: string;
  hosts: Array<{ name: string; address: string; namespace: string; hostKeySha256: string }>;
}
const LAB_FILE = path.resolve(import.meta.dirname, "../../.tmp/lab/lab.json");
let lab: Lab;
const clients: AgentClient[] = [];

function client(name: string, overrides: { hostKeySha256?: string } = {}): AgentClient {
  const h = lab.hosts.find((x) => x.name === name)!;
  const c = new AgentClient(
    name,
    createSshTransport({
      host: h.address,
      username: lab.user,
      privateKey: fs.readFileSync(lab.clientKey),
      hostKeySha256: overrides.hostKeySha256 ?? h.hostKeySha256,
      agentArgv: ["ignored: the key's forced command runs the agent"],
      keepaliveIntervalMs: 500,
      keepaliveCountMax: 2,
      readyTimeoutMs: 3_000,
    }),
    { initialBackoffMs: 200, maxBackoffMs: 1_000 },
  );
  clients.push(c);
  c.start();
  return c;
}
const inNamespace = (name: string, ...argv: string[]) =>
  execFileSync("ip", ["netns", "exec", lab.hosts.find((x) => x.name === name)!.namespace, ...argv]);

/** The sim command line on the lab's world, as an administrator runs it (`npm run sim -- --world ...`). */
const simCli = (...args: string[]) =>
  execFileSync(
    process.execPath,
    [
      "--import",
      "tsx",
      path.resolve(import.meta.dirname, "../../scripts/sim.ts"),
      "--world",
      lab.simDir,
      ...args,
    ],
    { stdio: "pipe" },
  );
const linkState = (name: string) =>
  /state (\w+)/.exec(inNamespace(name, "ip", "-o", "link", "show", "eth0").toString())?.[1];

/** The panel's SSH transport to a lab host (its forced command runs the agent, whatever argv says). */
const farmTransport = (
  h: Lab["hosts"][number],
  options: Partial<Parameters<typeof createSshTransport>[0]> = {},
) =>
  createSshTransport({
    host: h.address,
    username: lab.user,
    privateKey: fs.readFileSync(lab.clientKey),
    hostKeySha256: h.hostKeySha256,
    agentArgv: ["ignored: the key's forced command runs the agent"],
    ...options,
  });

beforeAll(() => {
  if (!fs.existsSync(LAB_FILE)) throw new Error("no lab: run `npm run lab:up` first (as root)");
  lab = JSON.parse(fs.readFileSync(LAB_FILE, "utf8")) as Lab;
});
afterAll(() => {
  for (const c of clients) c.stop();
  for (const h of lab?.hosts ?? []) inNamespace(h.name, "ip", "link", "set", "eth0", "up");
});

describe("the lab over real SSH", () => {
  it("each host answers on its own address with its own pinned key, and runs the agent only", async () => {
    for (const name of ["xen1", "xen2"]) {
      const c = client(name);
      await waitFor(() => c.state === "ready", 15_000, `${name} over ssh`);
      expect(c.hello).toMatchObject({ agentVersion: expect.any(String), simulated: true });
      expect((await c.call("host.facts", {})).hostname).toBe(name);
      expect((await c.call("drbd.status", {})).resources.map((r) => r.name)).toEqual([
        "r1",
        "r2",
        "r3",
        "r4",
      ]);
    }
  });

  it("refuses a host whose key is not the pinned one", async () => {
    const c = client("xen2", { hostKeySha256: lab.hosts.find((h) => h.name === "xen1")!.hostKeySha256 });
    await waitFor(() => c.lastError, 10_000, "refusal");
    expect(c.lastError?.code).toBe("HOST_KEY_CHANGED");
    c.stop();
  });

  it("runs the real drbdadm inside the host's namespace: its own address, its own refusals", async () => {
    const c = client("xen2");
    await waitFor(() => c.state === "ready", 15_000, "xen2 over ssh");
    const err = await c.call("drbd.primary", { resource: "r1" }).then(
      () => {
        throw new Error("expected a refusal");
      },
      (e: AppError) => e,
    );
    expect(err.code).toBe("DRBD_MULTIPLE_PRIMARIES");
    expect(err.details.stderr).toContain("Command 'drbdsetup primary r1' terminated with exit code 11");
    const { content } = await c.call("drbd.readConfig", { resource: "r1" });
    expect(content).toContain(`address ${lab.hosts[1]!.address}:7789;`);
  });

  it("a cut-mgmt fault really blocks SSH; restore-mgmt lets the panel back in", async () => {
    const c = client("xen1");
    await waitFor(() => c.state === "ready", 15_000, "xen1 over ssh");
    simCli("fault", "cut-mgmt", "host=xen1");
    expect(linkState("xen1")).toBe("DOWN");
    await waitFor(() => c.state !== "ready", 10_000, "the session to drop (keepalive)");
    await waitFor(() => c.lastError, 10_000, "a failed reconnect");
    expect(c.lastError?.code).toBe("HOST_UNREACHABLE");
    simCli("fault", "restore-mgmt", "host=xen1");
    await waitFor(() => c.state === "ready", 20_000, "xen1 back");
  });

  it("the farm service sees both lab hosts over SSH", async () => {
    const service = new FarmService({
      simulated: false,
      hosts: lab.hosts.map((h) => ({
        name: h.name,
        address: h.address,
        transport: farmTransport(h),
      })),
      resources: [],
    });
    await service.start();
    try {
      const view = await waitForWholeFarm(service, 20_000);
      expect(view.resources.map((r) => r.sides.map((s) => `${s.host}:${s.role}`).join(" "))).toEqual([
        "xen1:Primary xen2:Secondary",
        "xen1:Secondary xen2:Primary",
        "xen1:Primary xen2:Secondary",
        "xen1:Secondary xen2:Secondary",
      ]);
    } finally {
      service.stop();
    }
  });
});

/** A panel on the lab over real SSH: farm service, runbook engine and a fresh migrated SQLite journal. */
async function openLabPanel() {
  const { spawnSync } = await import("node:child_process");
  const os = await import("node:os");
  const { createDb } = await import("../../lib/db");
  const { RunbookEngine } = await import("../../lib/runbooks/engine");
  const { WorldStore } = await import("../../agents/sim/store");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-lab-db-"));
  const url = `file:${path.join(dir, "tandem.db")}`;
  const migrate = spawnSync(
    process.execPath,
    [path.resolve(import.meta.dirname, "../../scripts/prisma.mjs"), "migrate", "deploy"],
    { env: { ...process.env, DATABASE_URL: url }, encoding: "utf8" },
  );
  expect(migrate.status, migrate.stderr).toBe(0);
  const db = createDb(url);
  const store = new WorldStore(lab.simDir);
  store.setSpeed(10); // a domain builds in 0.2 s, a guest boots in 2 s
  const resources: Array<{ name: string; mountPoint: string | null }> = [
    { name: "r1", mountPoint: "/srv/r1" },
    { name: "r2", mountPoint: "/srv/r2" },
    { name: "r3", mountPoint: "/srv/r3" },
    { name: "r4", mountPoint: null },
  ];
  const service = new FarmService({
    simulated: false,
    hosts: lab.hosts.map((h) => ({
      name: h.name,
      address: h.address,
      transport: farmTransport(h, {
        keepaliveIntervalMs: 500,
        keepaliveCountMax: 2,
        readyTimeoutMs: 3_000,
      }),
    })),
    resources,
  });
  const engine = new RunbookEngine({ farm: service, db, resources, pollMs: 200 });
  return { service, engine, store, db, dir, resources };
}

describe("a failover and a failback in the lab, over real SSH", () => {
  it("xen1 crashes (its link goes down): failover to xen2; xen1 comes back: failback after the resync", async () => {
    const { ZRunbookRequest } = await import("../../lib/runbooks/types");
    const { service, engine, store, db, dir } = await openLabPanel();
    const run = async (kind: "failover" | "failback", from: string, to: string) => {
      const r = (await engine.submit(
        ZRunbookRequest.parse({ kind, from, to, confirmDown: kind === "failover" }),
      )) as {
        jobId: string;
      };
      let job = await engine.journal.get(r.jobId);
      await waitFor(
        async () => (
          (job = await engine.journal.get(r.jobId)),
          job !== null && job.status !== "running" && job.status !== "queued"
        ),
        120_000,
        `the ${kind}`,
      );
      return job!;
    };
    await service.start();
    try {
      await waitForWholeFarm(service, 20_000);
      simCli("fault", "crash", "host=xen1");
      expect(linkState("xen1")).toBe("DOWN");
      await waitFor(
        () => service.getView().hosts.find((h) => h.name === "xen1")?.reachable === false,
        15_000,
        "xen1 unreachable",
      );
      const failover = await run("failover", "xen1", "xen2");
      expect(failover.steps.filter((s) => s.status !== "succeeded")).toEqual([]);
      expect(store.read().resources["r1"]!.sides["xen2"]).toMatchObject({ role: "Primary", mounted: true });
      // Every command went over SSH to xen2's agent, with its exit code.
      expect(failover.steps[0]!.commands[0]).toMatchObject({
        host: "xen2",
        argv: ["drbdadm", "primary", "r1"],
        exitCode: 0,
      });

      simCli("fault", "power-on", "host=xen1");
      await waitFor(
        () => service.getView().hosts.find((h) => h.name === "xen1")?.reachable === true,
        40_000,
        "xen1 back over SSH",
      );
      await waitFor(
        async () =>
          (await engine.plan(ZRunbookRequest.parse({ kind: "failback", from: "xen2", to: "xen1" }))).blockers
            .length === 0,
        60_000,
        "the resync to finish",
      );
      const failback = await run("failback", "xen2", "xen1");
      expect(failback.steps.filter((s) => s.status !== "succeeded")).toEqual([]);
      const w = store.read();
      for (const r of ["r1", "r3"])
        expect(w.resources[r]!.sides["xen1"]).toMatchObject({ role: "Primary", mounted: true });
      expect(Object.values(w.vms).filter((v) => v.host === "xen1" && v.domId !== null)).toHaveLength(7);
    } finally {
      service.stop();
      await db.$disconnect();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

describe("incidents in the lab, over real SSH (issue 7)", () => {
  it("a cut management network is not a host down; a cut link opens and closes after the resync; a split brain is detected on both hosts and recovered; a crash is a host down within the dead time plus 5 s, posted to a webhook", async () => {
    const http = await import("node:http");
    const { Monitor } = await import("../../lib/monitor/monitor");
    const { Notifier, NOTIFICATIONS_KEY } = await import("../../lib/monitor/notify");
    const { writeSetting } = await import("../../lib/monitor/settings");
    const { recoverSplitBrain, ZSplitBrainRecovery } = await import("../../lib/monitor/split-brain");
    const { applyFault } = await import("../../agents/sim/faults");
    const { service, engine, store, db, dir, resources } = await openLabPanel();
    const posts: Array<{ event: string; incident: { id: string; kind: string } }> = [];
    const receiver = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        posts.push(JSON.parse(body) as (typeof posts)[number]);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    const port = (receiver.address() as { port: number }).port;
    await writeSetting(db, NOTIFICATIONS_KEY, {
      webhook: { enabled: true, url: `http://127.0.0.1:${port}/`, minSeverity: "major" },
      email: null,
    });
    const notifier = new Notifier({ db, store: engine.incidents, retryBaseMs: 100 });
    // The defaults: dead time 15 s, hangs after 10 s, grace 3 s.
    const monitor = new Monitor({
      farm: service,
      store: engine.incidents,
      db,
      runbooks: engine,
      tickMs: 250,
    });
    const open = async (kind: string, subject: { host?: string; resource?: string } = {}) =>
      (await engine.incidents.list({ kind, open: true, limit: 50, ...subject }))[0];
    const closed = async (id: string) => (await engine.incidents.get(id))?.closedAt ?? null;
    await service.start();
    try {
      await waitForWholeFarm(service, 20_000);
      notifier.start();
      await monitor.start();

      // The management network of xen2 only: SSH drops, DRBD keeps replicating.
      simCli("fault", "cut-mgmt", "host=xen2");
      const mgmt = await waitFor(
        () => open("mgmt-unreachable", { host: "xen2" }),
        20_000,
        "mgmt-unreachable",
      );
      await new Promise((r) => setTimeout(r, 20_000));
      expect(await engine.incidents.list({ kind: "host-down", limit: 10 })).toEqual([]);
      simCli("fault", "restore-mgmt", "host=xen2");
      await waitFor(() => closed(mgmt.id), 30_000, "mgmt-unreachable closed");

      // The replication link of r1.
      store.update((w) => applyFault(w, { action: "write-load", vm: "db1", kiBps: 20_000 }));
      simCli("fault", "cut-link", "resource=r1");
      const link = await waitFor(
        () => open("drbd-disconnected", { resource: "r1" }),
        10_000,
        "r1 disconnected",
      );
      await new Promise((r) => setTimeout(r, 2_000));
      simCli("fault", "restore-link", "resource=r1");
      await waitFor(() => closed(link.id), 60_000, "r1's incident closed after the resync");
      const timeline = (await engine.incidents.get(link.id))!.timeline.map((e) => e.kind);
      expect(timeline).toContain("drbd.resync-finished");
      store.update((w) => applyFault(w, { action: "write-load", vm: "db1", kiBps: 16 }));

      // A deliberate split brain on r2: its link cut, xen1 promoted over SSH, the link back.
      simCli("fault", "cut-link", "resource=r2");
      await waitFor(() => open("drbd-disconnected", { resource: "r2" }), 10_000, "r2 disconnected");
      await service.client("xen1").call("drbd.primary", { resource: "r2" });
      await new Promise((r) => setTimeout(r, 1_000));
      simCli("fault", "restore-link", "resource=r2");
      const split = await waitFor(
        async () => {
          const i = await open("split-brain", { resource: "r2" });
          const d = i && (await engine.incidents.get(i.id));
          return d && (d.detail as { detectedOn: string[] } | null)?.detectedOn.length === 2 ? d : undefined;
        },
        15_000,
        "split brain on both hosts",
      );
      const answer = await recoverSplitBrain(
        { farm: service, resources, runbooks: engine },
        "r2",
        ZSplitBrainRecovery.parse({ discard: "xen1", confirm: "xen1" }),
        true,
      );
      if (answer.kind !== "planned" || !answer.jobId) throw new Error(JSON.stringify(answer));
      await waitFor(
        async () => (await engine.journal.get(answer.jobId!))?.status === "succeeded",
        60_000,
        "recovery",
      );
      await waitFor(() => closed(split.id), 20_000, "split brain closed");
      expect(Object.values(store.read().resources["r2"]!.sides).map((x) => [x.connection, x.disk])).toEqual([
        ["Connected", "UpToDate"],
        ["Connected", "UpToDate"],
      ]);

      // xen1 crashes: its namespace link goes down; the SSH session only notices by its keepalive.
      const crashedAt = Date.now();
      simCli("fault", "crash", "host=xen1");
      const down = await waitFor(() => open("host-down", { host: "xen1" }), 25_000, "host-down");
      expect(Date.now() - crashedAt).toBeLessThanOrEqual(15_000 + 5_000);
      await waitFor(
        () =>
          posts.some((p) => p.incident.id === down.id && p.incident.kind === "host-down") ? true : undefined,
        10_000,
        "the webhook to get the host-down",
      );
      simCli("fault", "power-on", "host=xen1");
      await waitFor(() => closed(down.id), 40_000, "host-down closed");
      expect((await engine.incidents.get(down.id))?.kind).toBe("host-down");
    } finally {
      monitor.stop();
      notifier.stop();
      service.stop();
      receiver.close();
      await db.$disconnect();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

describe("a new resource pair in the lab, over real SSH", () => {
  it("r5 from the wizard's request: the real drbdadm checks each host's own address; Connected, UpToDate on both, Primary and mounted on xen1; web5 placed on it and started; then both deleted", async () => {
    const { createResource } = await import("../../lib/resources/service");
    const { planDeleteResource } = await import("../../lib/resources/delete");
    const { hostStorage } = await import("../../lib/resources/storage");
    const { defineVm, planDeleteVm } = await import("../../lib/vms/service");
    const { ZDefineVmRequest } = await import("../../lib/vms/define");
    const { service, engine, store, db, dir, resources } = await openLabPanel();
    const finished = async (jobId: string) => {
      let job = await engine.journal.get(jobId);
      await waitFor(
        async () => (
          (job = await engine.journal.get(jobId)),
          job !== null && !["running", "queued"].includes(job.status)
        ),
        180_000,
        `job ${jobId}`,
      );
      return job!;
    };
    await service.start();
    try {
      await waitForWholeFarm(service, 20_000);
      // Each host reports its own namespace's address for replication.
      expect((await hostStorage(service, "xen2")).addresses).toEqual(["10.99.0.2"]);
      const answer = await createResource(
        { farm: service, runbooks: engine, resources },
        r5Request({ initialSync: "full" }, ["10.99.0.1", "10.99.0.2"]),
      );
      if (answer.kind !== "started") throw new Error(`not started: ${JSON.stringify(answer)}`);
      const job = await finished(answer.jobId);
      expect(job.steps.filter((x) => x.status !== "succeeded")).toEqual([]);
      // The full initial sync runs in simulated time; r5 is usable on xen1 at once.
      await waitFor(
        () => store.read().resources["r5"]?.sides["xen2"]?.disk === "UpToDate",
        60_000,
        "the initial sync",
      );
      expect(store.read().resources["r5"]!.sides["xen1"]).toMatchObject({ role: "Primary", mounted: true });
      // The same file on both hosts, each parsed by the real drbdadm in its own namespace.
      for (const h of ["xen1", "xen2"]) {
        const conf = await service.client(h).call("drbd.configured", {});
        expect(
          conf.resources.find((r) => r.name === "r5")?.hosts.map((x) => [x.name, x.address, x.port]),
        ).toEqual([
          ["xen1", "10.99.0.1", 7788],
          ["xen2", "10.99.0.2", 7788],
        ]);
      }

      // A VM on r5: its image made on xen1's r5, defined on both hosts over SSH, started on xen1.
      const placed = await defineVm(
        { farm: service, runbooks: engine, resources },
        ZDefineVmRequest.parse({
          name: "web5",
          resource: "r5",
          memoryMiB: 256,
          imageSizeMiB: 512,
          network: { bridge: "xenbr0" },
          start: true,
        }),
      );
      if (placed.kind !== "started") throw new Error(`not started: ${JSON.stringify(placed)}`);
      const definedJob = await finished(placed.jobId);
      expect(definedJob.steps.filter((x) => x.status !== "succeeded")).toEqual([]);
      expect(store.read().vms["web5"]).toMatchObject({ host: "xen1", resource: "r5", state: "running" });

      // (Its failover and failback in the lab are driven from the browser: tests/lab-browser.)

      // Removed: the VM's definitions (after it is stopped), then r5 with its volumes.
      await service.client("xen1").call("vm.destroy", { name: "web5" });
      await waitFor(
        () => service.getView().vms.find((v) => v.name === "web5")?.state === "shutoff",
        15_000,
        "web5 off",
      );
      expect((await finished(await engine.start(await planDeleteVm(service, "web5")))).status).toBe(
        "succeeded",
      );
      await waitFor(() => !service.getView().vms.some((v) => v.name === "web5"), 15_000, "web5 forgotten");

      await service.client("xen1").call("fs.umount", { mountPoint: "/srv/r5" });
      await service.client("xen1").call("drbd.secondary", { resource: "r5" });
      const deleted = await finished(
        await engine.start(
          await planDeleteResource(service, resources, "r5", { removeVolumes: true, confirm: "r5" }),
        ),
      );
      expect(deleted.status).toBe("succeeded");
      expect(store.read().resources["r5"]).toBeUndefined();
    } finally {
      service.stop();
      await db.$disconnect();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});

describe("onboarding the lab hosts over real SSH (issue 8)", () => {
  it("each host's key is pinned only with its fingerprint confirmed; the panel's own keys, restricted to its address, reach the agents; the pair becomes the farm; a swapped host behind an address is refused", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-lab-onboard-"));
    const url = `file:${path.join(dir, "tandem.db")}`;
    execFileSync(
      process.execPath,
      [path.resolve(import.meta.dirname, "../../scripts/prisma.mjs"), "migrate", "deploy"],
      {
        env: { ...process.env, DATABASE_URL: url },
        stdio: "pipe",
      },
    );
    const db = createDb(url);
    const xen1 = lab.hosts.find((h) => h.name === "xen1")!;
    const xen2 = lab.hosts.find((h) => h.name === "xen2")!;
    const keysFile = (host: string) =>
      path.resolve(import.meta.dirname, `../../.tmp/lab/${host}/authorized_keys`);
    const before = {
      xen1: fs.readFileSync(keysFile("xen1"), "utf8"),
      xen2: fs.readFileSync(keysFile("xen2"), "utf8"),
    };
    const box = SecretBox.fromKey(crypto.randomBytes(32));
    let service: FarmService | undefined;
    try {
      const onboarding = new OnboardingService(db, box);
      for (const [h, other] of [
        [xen1, xen2],
        [xen2, xen1],
      ] as const) {
        const name = h.name as "xen1" | "xen2";
        const scanned = await onboarding.scan(
          ZOnboardRequest.parse({ name, address: h.address, user: lab.user }),
        );
        expect(scanned.presented.fingerprint).toBe(h.hostKeySha256);
        await expect(onboarding.pin(name, other.hostKeySha256, "lab")).rejects.toMatchObject({
          code: "VALIDATION_FAILED",
        });
        const { authorizedKeysLine: line } = await onboarding.pin(name, h.hostKeySha256, "lab");
        // The panel's address as the lab host saw it: the key works from there only.
        expect(line).toContain(`restrict,from="${lab.panelAddress}",command=`);
        // The administrator installs it; the lab's agent command (bound to the simulated world) is the forced one.
        const labCommand = /command="[^"]*"/.exec(before[name])![0];
        fs.appendFileSync(keysFile(name), line.replace(/command="[^"]*"/, labCommand) + "\n");
        expect(await onboarding.test(name)).toMatchObject({ status: "ready" });
      }

      // The pair becomes the farm (what server.ts does at start with the stored choice): both hosts over SSH with
      // the keys the panel made, nothing from a configuration file.
      await chooseOnboardedFarm(db, ZFarmSelection.parse({ hosts: ["xen1", "xen2"] }));
      const farm = await onboardedFarmHosts(db, box, (await readFarmSelection(db))!);
      service = new FarmService({ simulated: false, hosts: farm.hosts, resources: farm.resources });
      await service.start();
      const view = await waitForWholeFarm(service, 30_000);
      expect(view.hosts.map((h) => `${h.name}:${h.reachable}`)).toEqual(["xen1:true", "xen2:true"]);
      // Each resource as both agents report it over the onboarded keys (roles depend on the faults run before).
      expect(view.resources.map((r) => r.name)).toEqual(["r1", "r2", "r3", "r4"]);
      for (const r of view.resources)
        expect(r.sides.map((s) => `${s.host}:${/^(Primary|Secondary)$/.test(s.role)}:${s.stale}`)).toEqual([
          "xen1:true:false",
          "xen2:true:false",
        ]);
      service.stop();
      service = undefined;

      // Another machine answers at xen1's address (here: xen2's, as after an address takeover): refused.
      await db.managedHost.update({ where: { name: "xen1" }, data: { address: xen2.address } });
      await expect(onboarding.test("xen1")).rejects.toMatchObject({ code: "HOST_KEY_CHANGED" });
      expect((await onboarding.list())[0]).toMatchObject({ name: "xen1", status: "key-changed" });
    } finally {
      service?.stop();
      for (const name of ["xen1", "xen2"] as const)
        fs.writeFileSync(keysFile(name), before[name], { mode: 0o600 });
      await db.$disconnect();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("faults in the lab (last: they leave xen2 without its Primary)", () => {
  it("a powered-off lab host stops answering too; power-on brings it back with its DRBD reconnecting", async () => {
    const c = client("xen2");
    await waitFor(() => c.state === "ready", 15_000, "xen2 over ssh");
    simCli("fault", "power-off", "host=xen2");
    expect(linkState("xen2")).toBe("DOWN");
    await waitFor(() => c.lastError?.code === "HOST_UNREACHABLE", 20_000, "xen2 unreachable");
    simCli("fault", "power-on", "host=xen2");
    await waitFor(() => c.state === "ready", 20_000, "xen2 back");
    const r2 = (await c.call("drbd.status", {})).resources.find((r) => r.name === "r2");
    expect(r2?.role).toBe("Secondary"); // it came back without its VMs: r2's Primary is gone with the power
  });
});
