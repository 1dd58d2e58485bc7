import fs from "node:fs";
import path from "node:path";
import { createMozillaGumiWorld } from "./farms";
import { WORLD_FORMAT, isDrbd8Host, settleWorld, type SimResource, type SimWorld } from "./world";
import { procDrbdText } from "./tools/proc-drbd";

/**
 * The world lives in one JSON file, shared by every stand-in tool process of both simulated hosts.
 * Readers read the file (writes are atomic renames); writers hold an exclusive lock file.
 */
export class WorldStore {
  readonly file: string;
  private readonly lockFile: string;

  constructor(readonly dir: string) {
    this.file = path.join(dir, "world.json");
    this.lockFile = path.join(dir, "world.lock");
  }

  exists(): boolean {
    return fs.existsSync(this.file);
  }

  read(): SimWorld {
    const world = JSON.parse(fs.readFileSync(this.file, "utf8")) as SimWorld;
    if (world.format !== WORLD_FORMAT)
      throw new Error(`simulated world ${this.file}: unsupported format ${String(world.format)}`);
    settleWorld(world);
    return world;
  }

  /** Runs `mutate` on the settled world under the lock and saves the result atomically. */
  update<T>(mutate: (world: SimWorld) => T): T {
    return this.withLock(() => {
      const world = this.read();
      const result = mutate(world);
      this.writeAtomic(world);
      return result;
    });
  }

  /** Creates the world (and the hosts' files) unless it exists. Returns true when it was created. */
  init(create: () => SimWorld = () => createMozillaGumiWorld()): boolean {
    fs.mkdirSync(this.dir, { recursive: true });
    return this.withLock(() => {
      if (this.exists()) {
        const format = (JSON.parse(fs.readFileSync(this.file, "utf8")) as { format?: unknown }).format;
        if (format === WORLD_FORMAT) return false;
        // A world written by an older simulator: keep it aside and start the farm afresh.
        fs.renameSync(this.file, `${this.file}.format-${String(format)}`);
      }
      const world = create();
      this.writeAtomic(world);
      writeHostFiles(this.dir, world);
      return true;
    });
  }

  /** Sets the speed factor without a jump in simulated time. */
  setSpeed(speed: number): void {
    this.update((world) => {
      const now = Date.now();
      const sim = (now - world.epochRealMs) * world.speed;
      world.speed = speed;
      world.epochRealMs = now - sim / speed;
    });
  }

  private writeAtomic(world: SimWorld): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(world, null, 1));
    fs.renameSync(tmp, this.file);
    writeMountTables(this.dir, world);
  }

  private withLock<T>(fn: () => T): T {
    const deadline = Date.now() + 5_000;
    for (;;) {
      try {
        fs.writeFileSync(this.lockFile, String(process.pid), { flag: "wx" });
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        if (Date.now() > deadline) breakStaleLock(this.lockFile);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
      }
    }
    try {
      return fn();
    } finally {
      fs.rmSync(this.lockFile, { force: true });
    }
  }
}

function breakStaleLock(lockFile: string): void {
  const pid = Number(fs.readFileSync(lockFile, "utf8"));
  try {
    if (pid > 0) process.kill(pid, 0);
    throw new Error(`simulated world is locked by live process ${pid}`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ESRCH") fs.rmSync(lockFile, { force: true });
    else throw err;
  }
}

/**
 * `address:port` of `host`'s side of the resource as the resource files give it: on this machine 127.0.0.1 with
 * a port per host (node ids follow host names), in the lab the host's own address; for a resource configured
 * through drbdsetup, what its new-path said.
 */
export function drbdAddressOf(world: SimWorld, resource: SimResource, host: string): string {
  const configured = resource.sides[host]?.address; // new-path of a resource an administrator created
  if (configured !== undefined) return configured;
  if (world.drbdAddressing === "hosts")
    return `${world.hosts[host]?.address ?? "127.0.0.1"}:${resource.port}`;
  return `127.0.0.1:${resource.port + 100 * Object.keys(resource.sides).sort().indexOf(host)}`;
}

/**
 * A resource file for the simulated hosts. They share this machine, so each host replicates on 127.0.0.1 with a
 * port of its own (the real drbdadm checks that a host's address is local); node ids follow host names.
 */
export function resourceFile(world: SimWorld, resource: SimResource, forHost?: string): string {
  const hosts = Object.keys(resource.sides).sort();
  const address = (host: string) => drbdAddressOf(world, resource, host);
  // DRBD 8.4's parser knows no node-id; each host's copy of the file is written for that host's utils.
  const nodeId = (i: number) => (forHost && isDrbd8Host(world, forHost) ? "" : `    node-id ${i};\n`);
  const on = (host: string, i: number) =>
    `  on ${host} {\n${nodeId(i)}    device /dev/drbd${resource.minor};\n    disk /dev/vg0/${resource.name};\n` +
    `    address ${address(host)};\n    meta-disk internal;\n  }\n`;
  return (
    `# ${resource.name}: simulated farm (mounted on ${resource.mountPoint ?? "nothing: raw device"})\n` +
    `resource ${resource.name} {\n  net {\n    protocol ${resource.protocol};\n` +
    `    after-sb-0pri disconnect;\n    after-sb-1pri disconnect;\n    after-sb-2pri disconnect;\n  }\n` +
    hosts.map(on).join("") +
    `}\n`
  );
}

/** The file that stands in for a simulated host's /proc/mounts (the agent's --mounts-file). */
export function hostMountsFile(simDir: string, host: string): string {
  return path.join(simDir, "hosts", host, "proc-mounts");
}

/** Rewrites each host's mount table from the world (after every change), as the kernel keeps /proc/mounts. */
function writeMountTables(simDir: string, world: SimWorld): void {
  for (const host of Object.keys(world.hosts)) {
    const lines = [
      "sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0",
      "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0",
      "/dev/sda1 / ext4 rw,relatime,errors=remount-ro 0 0",
    ];
    for (const r of Object.values(world.resources)) {
      const side = r.sides[host];
      if (side?.mounted && side.mountedOn)
        lines.push(`/dev/drbd${r.minor} ${side.mountedOn} ${r.fs?.type ?? "ext4"} rw,relatime 0 0`);
    }
    writeIfChanged(hostMountsFile(simDir, host), `${lines.join("\n")}\n`);
    refreshProcDrbd(simDir, world, host);
  }
}

function writeIfChanged(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text) fs.writeFileSync(file, text);
}

/** The file that stands in for /proc/drbd on a simulated DRBD 8.x host (the agent's --proc-drbd). */
export function hostProcDrbdFile(simDir: string, host: string): string {
  return path.join(simDir, "hosts", host, "proc-drbd");
}

/** Rewrites a DRBD 8.x host's /proc/drbd (resync progress moves with time): on writes and by its polled tools. */
export function refreshProcDrbd(simDir: string, world: SimWorld, host: string): void {
  if (isDrbd8Host(world, host)) writeIfChanged(hostProcDrbdFile(simDir, host), procDrbdText(world, host));
}

/** Directory that stands in for a simulated host's /etc/xen. */
export function hostXenConfigDir(simDir: string, host: string): string {
  return path.join(simDir, "hosts", host, "etc", "xen");
}

/** Directory that stands in for a simulated host's /etc (drbd.conf, drbd.d/, xen/). */
export function hostEtcDir(simDir: string, host: string): string {
  return path.join(simDir, "hosts", host, "etc");
}

/**
 * Writes each host's DRBD configuration (`etc/drbd.conf` including `etc/drbd.d/*.res`) and each VM's xl.cfg,
 * as an administrator would have. The real drbdadm reads these files on the simulated hosts.
 */
function writeHostFiles(simDir: string, world: SimWorld): void {
  for (const host of Object.keys(world.hosts)) {
    const drbdD = path.join(hostEtcDir(simDir, host), "drbd.d");
    fs.mkdirSync(drbdD, { recursive: true });
    // The simulated hosts share this machine's interfaces, so drbdadm's check that a host's address is its own
    // (verify_ips, fatal for up/adjust in drbd-utils 9.22) would judge this machine, not the host: off, unless
    // each host has its own network namespace (the lab).
    const global = world.drbdAddressing === "loopback" ? "global { disable-ip-verification; }\n" : "";
    fs.writeFileSync(
      path.join(hostEtcDir(simDir, host), "drbd.conf"),
      `# Simulated host ${host}\n${global}include "${drbdD}/*.res";\n`,
    );
    for (const resource of Object.values(world.resources))
      if (resource.sides[host])
        fs.writeFileSync(path.join(drbdD, `${resource.name}.res`), resourceFile(world, resource, host));
  }
  for (const host of Object.keys(world.hosts))
    fs.mkdirSync(hostXenConfigDir(simDir, host), { recursive: true });
  for (const vm of Object.values(world.vms)) {
    const cfg = [
      `# ${vm.name}: Xen PV guest (simulated farm)`,
      `name = "${vm.name}"`,
      `memory = ${vm.memoryMiB}`,
      `maxmem = ${vm.maxMemoryMiB}`,
      `vcpus = ${vm.vcpus}`,
      `bootloader = "pygrub"`,
      `vif = [ 'bridge=xenbr0' ]`,
      `disk = [ '${vm.disk}' ]`,
      "",
    ].join("\n");
    // On both hosts of its resource, as a DRBD farm keeps them: either host can start the VM.
    const resource = vm.resource === null ? undefined : world.resources[vm.resource];
    for (const host of resource ? Object.keys(resource.sides) : [vm.host])
      fs.writeFileSync(path.join(hostXenConfigDir(simDir, host), `${vm.name}.cfg`), cfg);
  }
}
