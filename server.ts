/**
 * Tandem's one process: Next.js pages and API, socket.io, and the farm service with its agent sessions.
 */
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import path from "node:path";
import next from "next";
import { Server } from "socket.io";
import { getEnv, perSimHost } from "./lib/env";
import { loadFarmConfig } from "./lib/config";
import { createDb } from "./lib/db";
import { FarmService, type FarmHostSpec } from "./lib/farm/farm-service";
import { InventoryStore } from "./lib/farm/inventory";
import type { ResourceMeta } from "./lib/farm/view";
import type { ClientToServerEvents, ServerToClientEvents } from "./lib/realtime/events";
import { AuditLog } from "./lib/audit/log";
import { AuthService } from "./lib/auth/service";
import { SecretBox } from "./lib/auth/secret-box";
import { OnboardingService } from "./lib/hosts/service";
import { allowSocketRequest, emitEvent, gateRequest, secureSockets } from "./lib/auth/gate";
import { forwardAuditToSyslog } from "./lib/audit/syslog";
import { setRuntime } from "./lib/runtime";
import { setupSimFarm } from "./lib/sim/sim-farm";
import { RunbookEngine } from "./lib/runbooks/engine";
import { Monitor } from "./lib/monitor/monitor";
import { IncidentStore } from "./lib/monitor/store";
import { Notifier } from "./lib/monitor/notify";
import type { FenceDevice } from "./lib/runbooks/fence";
import type { WorldStore } from "./agents/sim/store";
import { createSshTransport } from "./lib/transport/ssh";
import { type FarmSource, onboardedFarmHosts, readFarmSelection } from "./lib/hosts/farm-source";

/** server.ts asks scripts/start.mjs to start it again (EX_TEMPFAIL). */
const RESTART_EXIT_CODE = 75;
const root = path.dirname(new URL(import.meta.url).pathname);

async function main(): Promise<void> {
  const env = getEnv();
  const log = (message: string) => console.log(`[tandem] ${message}`);
  const configFile = path.resolve(env.TANDEM_CONFIG ?? "tandem.config.json");
  const config = loadFarmConfig(configFile);
  const db = createDb(env.databaseUrl);
  const box = SecretBox.open({ dataDir: env.dataDir, envKey: env.TANDEM_SECRET_KEY });
  // Without a config file, the two hosts an administrator onboarded and chose (lib/hosts/farm-source.ts).
  const selection = config ? null : await readFarmSelection(db);
  const source: FarmSource = config
    ? { kind: "config", file: configFile }
    : selection
      ? { kind: "onboarded", selection }
      : { kind: "simulated" };

  let hosts: FarmHostSpec[];
  let resources: ResourceMeta[];
  let simStore: WorldStore | undefined;
  let fences: Record<string, FenceDevice>;
  let repin: ((host: string, fingerprint: string) => void) | undefined;
  if (config) {
    log(`managing the hosts of ${configFile} over SSH`);
    hosts = config.hosts.map((h, i) => {
      const transport = createSshTransport({
        host: h.address,
        port: h.port,
        username: h.user,
        privateKey: readPrivateKey(h.privateKeyPath, `hosts.${i}.privateKeyPath`),
        hostKeySha256: h.hostKeySha256,
        agentArgv: h.agentCommand,
      });
      return {
        name: h.name,
        address: h.address,
        standbyMiB: h.standbyMiB,
        transport,
        agentInstall: { remote: transport, path: h.agentPath },
      };
    });
    resources = config.resources;
    fences = Object.fromEntries(config.hosts.flatMap((h) => (h.fence ? [[h.name, h.fence]] : [])));
  } else if (selection) {
    const onboarded = await onboardedFarmHosts(db, box, selection);
    ({ hosts, resources } = onboarded);
    repin = (name, fingerprint) => onboarded.transports.get(name)?.repin(fingerprint);
    log(`managing the onboarded hosts ${selection.hosts.join(" and ")} over SSH`);
    // No fence devices are configured for onboarded hosts yet: a failover of a silent host then needs force.
    fences = {};
  } else {
    const sim = setupSimFarm({
      simDir: path.join(env.dataDir, "sim"),
      distDir: path.join(root, "agents", "dist"),
      pollMs: env.TANDEM_AGENT_POLL_MS,
      ...(env.TANDEM_SIM_SPEED === undefined ? {} : { speed: env.TANDEM_SIM_SPEED }),
      drbd: perSimHost(env.TANDEM_SIM_DRBD, (v) => v as "9" | "8.4"),
      hypervisor: perSimHost(env.TANDEM_SIM_HYPERVISOR, (v) =>
        v === "xl" ? "xen-xl" : v === "xm" ? "xen-xm" : "libvirt",
      ),
    });
    log(`no ${path.basename(configFile)}: running the simulated farm in ${sim.store.dir}`);
    hosts = sim.hosts;
    resources = sim.resources;
    simStore = sim.store;
    fences = sim.fences;
  }

  // Resources created from the panel (issue 6) are in the inventory with their mount points.
  for (const row of await db.drbdResource.findMany({ select: { name: true, mountPoint: true } })) {
    const known = resources.find((r) => r.name === row.name);
    if (!known) resources.push({ name: row.name, mountPoint: row.mountPoint });
    else if (known.mountPoint === null && row.mountPoint) known.mountPoint = row.mountPoint;
  }
  const farm = new FarmService({
    simulated: source.kind === "simulated",
    hosts,
    resources,
    inventory: new InventoryStore(db),
    log,
    agentBundle: () => fs.readFileSync(path.join(root, "agents", "dist", "tandem-agent.js")),
  });
  const incidents = new IncidentStore(db, log);
  const runbooks = new RunbookEngine({ farm, db, resources, log, fences, incidents });
  const monitor = new Monitor({
    farm,
    store: incidents,
    db,
    runbooks,
    log,
    settings: {
      deadTimeMs: env.TANDEM_DEAD_TIME_MS ?? (config?.monitoring.deadTimeSec ?? 15) * 1000,
      hungAfterMs: (config?.monitoring.hungAfterSec ?? 10) * 1000,
    },
    // The simulated farm moves faster than a real one: its charts fill in minutes.
    sampleMs: source.kind === "simulated" ? 10_000 : 60_000,
  });
  const notifier = new Notifier({
    box,
    db,
    store: incidents,
    log,
    panelUrl: `${env.TANDEM_TLS_CERT ? "https" : "http"}://${env.HOST === "0.0.0.0" ? "localhost" : env.HOST}:${env.PORT}`,
  });
  const audit = new AuditLog(db, path.join(env.dataDir, "audit-head.json"));
  const auth = new AuthService(db, audit, box);
  const stopSyslog = forwardAuditToSyslog(audit, db, log);
  const onboarding = new OnboardingService(db, box, () =>
    fs.readFileSync(path.join(root, "agents", "dist", "tandem-agent.js")),
  );
  if (repin) onboarding.onPinned(repin);
  setRuntime({
    auth,
    audit,
    onboarding,
    farmSource: source,
    // Under `npm start` (scripts/start.mjs), exit code 75 asks it to start the panel again.
    ...(env.TANDEM_SUPERVISED === "1"
      ? {
          restart: (reason: string) => {
            log(`restarting: ${reason}`);
            setTimeout(() => shutdown(RESTART_EXIT_CODE), 300).unref();
          },
        }
      : {}),
    secrets: box,
    farm,
    runbooks,
    monitor,
    notifier,
    db,
    resources,
    ...(simStore ? { sim: { store: simStore } } : {}),
  });

  const app = next({ dev: false, dir: root, hostname: env.HOST, port: env.PORT });
  await app.prepare();
  const handle = app.getRequestHandler();
  const tls =
    env.TANDEM_TLS_CERT && env.TANDEM_TLS_KEY
      ? { cert: fs.readFileSync(env.TANDEM_TLS_CERT), key: fs.readFileSync(env.TANDEM_TLS_KEY) }
      : null;
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    gateRequest({ auth }, req, res)
      .then((answered) => (answered ? undefined : handle(req, res)))
      .catch((err: unknown) => {
        console.error("[tandem] request:", err);
        if (!res.headersSent) res.statusCode = 500;
        res.end();
      });
  };
  // HTTPS when a certificate is given: the session cookie is then __Host- and Secure (lib/auth/http.ts).
  const server = tls ? https.createServer(tls, listener) : http.createServer(listener);
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(server, {
    serveClient: false,
    allowRequest: allowSocketRequest,
  });
  const stopSockets = secureSockets(io, auth);
  farm.onChange((change) => emitEvent(io, "farm:changed", change));
  runbooks.onChange((change) => emitEvent(io, "job:changed", change));
  incidents.onChange(({ change, incident }) => {
    emitEvent(io, "incident:changed", { id: incident.id, change });
    // An onboarded host that presents another key is marked on the hosts page too, where it is re-pinned.
    if (
      source.kind === "onboarded" &&
      change === "opened" &&
      incident.kind === "host-key-changed" &&
      incident.host
    )
      void onboarding
        .markKeyChanged(incident.host, incident.summary)
        .catch((err: unknown) => log(`onboarding: ${String(err)}`));
  });
  await farm.start();
  notifier.start();
  await monitor.start();
  // A job the previous process left unfinished is reconciled against the hosts (in the background).
  void runbooks.recover().catch((err: unknown) => log(`runbooks: recovery failed: ${String(err)}`));

  // Beyond this machine only once an administrator exists: a fresh panel is not open to the network's first visitor.
  const loopback = ["127.0.0.1", "::1", "localhost"].includes(env.HOST);
  const listenHost = loopback || (await auth.adminExists()) ? env.HOST : "127.0.0.1";
  if (listenHost !== env.HOST)
    log(
      `HOST=${env.HOST} refused until an administrator exists: listening on 127.0.0.1 only. Create one at ` +
        `http://127.0.0.1:${env.PORT}/setup or with "npm run tandem -- create-admin", then restart.`,
    );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(env.PORT, listenHost, resolve);
  });
  log(
    `panel on ${tls ? "https" : "http"}://${listenHost === "0.0.0.0" ? "localhost" : listenHost}:${env.PORT}/`,
  );
  if (!(await auth.adminExists()))
    log(
      `first run: create the first administrator at ${tls ? "https" : "http"}://${listenHost === "0.0.0.0" ? "localhost" : listenHost}:${env.PORT}/setup`,
    );

  function shutdown(code = 0): void {
    log("stopping");
    stopSockets();
    stopSyslog();
    monitor.stop();
    notifier.stop();
    farm.stop();
    void io.close();
    server.close(() => void db.$disconnect().finally(() => process.exit(code)));
    setTimeout(() => process.exit(code), 3000).unref();
  }
  process.on("SIGINT", () => shutdown());
  process.on("SIGTERM", () => shutdown());
}

function readPrivateKey(file: string, field: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(`${field}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

main().catch((err: unknown) => {
  console.error(`[tandem] cannot start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
