// The two-host lab (issue 4): `npm run lab:up` / `npm run lab:down` (Linux, root).
//
// Each simulated host gets its own network namespace (tandem-xen1, tandem-xen2) with its own address on a bridge
// (10.99.0.1, 10.99.0.2; the panel side is 10.99.0.254), its own hostname (a UTS namespace), and a real OpenSSH
// sshd with its own host key and config. The panel's key may only run the bundled agent there (a forced command
// in authorized_keys), bound to the lab's simulated world; DRBD's resource files name the namespaces' addresses,
// so the real drbdadm's "is this address mine" check is the real one. State: .tmp/lab/lab.json.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { createMozillaGumiWorld } from "../agents/sim/farms";
import { hostEtcDir, hostMountsFile, hostXenConfigDir, WorldStore } from "../agents/sim/store";
import { writeStandInTools } from "../agents/sim/bin";
import { fingerprintSha256 } from "../lib/transport/host-key";

const ROOT = path.resolve(import.meta.dirname, "..");
export const LAB_DIR = path.join(ROOT, ".tmp", "lab");
const BRIDGE = "tandem-br0";
const PANEL_ADDRESS = "10.99.0.254";
const HOSTS = [
  { name: "xen1", address: "10.99.0.1" },
  { name: "xen2", address: "10.99.0.2" },
];
const ns = (host: string) => `tandem-${host}`;

function run(cmd: string, ...args: string[]): string {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}
function tryRun(cmd: string, ...args: string[]): void {
  spawnSync(cmd, args, { stdio: "ignore" });
}

function down(): void {
  for (const h of HOSTS) {
    const pidFile = path.join(LAB_DIR, h.name, "sshd.pid");
    if (fs.existsSync(pidFile)) {
      const pid = Number(fs.readFileSync(pidFile, "utf8"));
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    // Anything else still running in the namespace (agent sessions, stand-in tools) goes with it.
    const pids = spawnSync("ip", ["netns", "pids", ns(h.name)], { encoding: "utf8" }).stdout.split(/\s+/);
    for (const pid of pids.filter(Boolean)) tryRun("kill", "-9", pid);
    tryRun("ip", "netns", "del", ns(h.name));
    tryRun("ip", "link", "del", `${ns(h.name)}-p`);
  }
  tryRun("ip", "link", "del", BRIDGE);
  fs.rmSync(LAB_DIR, { recursive: true, force: true });
}

function up(): void {
  if (process.getuid?.() !== 0) throw new Error("the lab needs root (network namespaces)");
  down();
  fs.mkdirSync(LAB_DIR, { recursive: true });
  const dist = path.join(ROOT, "agents", "dist");
  if (!fs.existsSync(path.join(dist, "tandem-agent.js")))
    run("node", path.join(ROOT, "scripts", "build-agent.mjs"));

  // The lab's world: the MozillaGumi farm with the namespaces' addresses.
  const simDir = path.join(LAB_DIR, "sim");
  const store = new WorldStore(simDir);
  store.init(() => {
    const world = createMozillaGumiWorld();
    world.drbdAddressing = "hosts";
    world.lab = { namespaces: Object.fromEntries(HOSTS.map((h) => [h.name, ns(h.name)])), interface: "eth0" };
    for (const h of HOSTS) world.hosts[h.name]!.address = h.address;
    return world;
  });
  const bin = writeStandInTools(simDir, path.join(dist, "sim-tools.js"));

  // The panel's key, one for the whole lab.
  const clientKey = path.join(LAB_DIR, "panel_ed25519");
  run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "tandem-lab-panel", "-f", clientKey);
  const clientPub = fs.readFileSync(`${clientKey}.pub`, "utf8").trim();

  run("ip", "link", "add", BRIDGE, "type", "bridge");
  run("ip", "addr", "add", `${PANEL_ADDRESS}/24`, "dev", BRIDGE);
  run("ip", "link", "set", BRIDGE, "up");
  fs.mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });

  const hosts = HOSTS.map((h) => {
    const dir = path.join(LAB_DIR, h.name);
    fs.mkdirSync(dir, { recursive: true });
    run("ip", "netns", "add", ns(h.name));
    run("ip", "link", "add", `${ns(h.name)}-p`, "type", "veth", "peer", "name", "eth0", "netns", ns(h.name));
    run("ip", "link", "set", `${ns(h.name)}-p`, "master", BRIDGE);
    run("ip", "link", "set", `${ns(h.name)}-p`, "up");
    run("ip", "netns", "exec", ns(h.name), "ip", "link", "set", "lo", "up");
    run("ip", "netns", "exec", ns(h.name), "ip", "addr", "add", `${h.address}/24`, "dev", "eth0");
    run("ip", "netns", "exec", ns(h.name), "ip", "link", "set", "eth0", "up");

    const hostKey = path.join(dir, "ssh_host_ed25519_key");
    run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", `tandem-lab-${h.name}`, "-f", hostKey);
    const blob = Buffer.from(fs.readFileSync(`${hostKey}.pub`, "utf8").split(/\s+/)[1]!, "base64");
    // The agent, bound to this host of the lab's world: the only thing the panel's key may run here.
    const agent = [
      "env",
      `PATH=${bin}:/usr/sbin:/usr/bin:/sbin:/bin`,
      `TANDEM_SIM_WORLD=${simDir}`,
      `TANDEM_SIM_HOST=${h.name}`,
      process.execPath,
      path.join(dist, "tandem-agent.js"),
      "serve",
      "--simulated",
      "--hypervisor",
      store.read().hosts[h.name]!.hypervisor,
      "--xen-config-dir",
      hostXenConfigDir(simDir, h.name),
      "--drbd-config-dir",
      path.join(hostEtcDir(simDir, h.name), "drbd.d"),
      "--mounts-file",
      hostMountsFile(simDir, h.name),
      "--poll-ms",
      "500",
    ].join(" ");
    fs.writeFileSync(path.join(dir, "authorized_keys"), `restrict,command="${agent}" ${clientPub}\n`, {
      mode: 0o600,
    });
    const config = path.join(dir, "sshd_config");
    fs.writeFileSync(
      config,
      [
        `ListenAddress ${h.address}`,
        "Port 22",
        `HostKey ${hostKey}`,
        `PidFile ${path.join(dir, "sshd.pid")}`,
        `AuthorizedKeysFile ${path.join(dir, "authorized_keys")}`,
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        "StrictModes no",
        "PermitRootLogin prohibit-password",
        "LogLevel VERBOSE",
        `Subsystem sftp internal-sftp`,
        "",
      ].join("\n"),
    );
    // Its own hostname too (a UTS namespace), then sshd as a daemon in the host's network namespace.
    run(
      "ip",
      "netns",
      "exec",
      ns(h.name),
      "unshare",
      "--uts",
      "sh",
      "-c",
      `hostname ${h.name} && exec /usr/sbin/sshd -f ${config} -E ${path.join(dir, "sshd.log")}`,
    );
    return {
      name: h.name,
      address: h.address,
      namespace: ns(h.name),
      hostKeySha256: fingerprintSha256(blob),
    };
  });

  const lab = { panelAddress: PANEL_ADDRESS, simDir, clientKey, user: "root", hosts };
  fs.writeFileSync(path.join(LAB_DIR, "lab.json"), `${JSON.stringify(lab, null, 2)}\n`);
  // A tandem.config.json for running the panel against the lab (TANDEM_CONFIG=.tmp/lab/tandem.config.json).
  fs.writeFileSync(
    path.join(LAB_DIR, "tandem.config.json"),
    `${JSON.stringify(
      {
        hosts: hosts.map((h) => ({
          name: h.name,
          address: h.address,
          user: "root",
          privateKeyPath: clientKey,
          hostKeySha256: h.hostKeySha256,
        })),
        resources: Object.values(store.read().resources).map((r) => ({
          name: r.name,
          mountPoint: r.mountPoint,
        })),
      },
      null,
      2,
    )}\n`,
  );
  console.log(`lab up: ${hosts.map((h) => `${h.name} ${h.address} (${h.hostKeySha256})`).join(", ")}`);
}

const command = process.argv[2];
if (command === "up") up();
else if (command === "down") {
  down();
  console.log("lab down");
} else {
  console.error("usage: node --import tsx scripts/lab.ts up|down");
  process.exit(2);
}
