/**
 * Starts a real OpenSSH sshd on 127.0.0.1 for tests: throwaway host and user keys in a temp dir,
 * public-key auth only, logging to stderr (captured in `log()`).
 */
import { execFile, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { fingerprintSha256 } from "../../lib/transport/host-key";
import { createSshTransport, type SshTransport, type SshTransportOptions } from "../../lib/transport/ssh";

const SSHD = "/usr/sbin/sshd";
const START_TIMEOUT_MS = 10_000;

export interface SshdHandle {
  host: "127.0.0.1";
  port: number;
  /** The user sshd lets in: whoever runs the tests. */
  username: string;
  /** Fingerprint of the host key, computed from the .pub blob and cross-checked against `ssh-keygen -lf`. */
  hostKeySha256: string;
  /** The host private key (throwaway), to start another sshd with the same identity. */
  hostPrivateKey: string;
  /** A throwaway ed25519 user key that is in authorized_keys. */
  clientKey: { privateKey: string; publicKey: string };
  /** Everything sshd wrote to stderr so far (LogLevel VERBOSE). */
  log(): string;
  /** Kills sshd and every session it forked, then removes `dir`. */
  stop(): Promise<void>;
  dir: string;
}

export interface StartSshdOptions {
  /** Extra public-key lines for authorized_keys. */
  authorizedKeys?: string[];
  /** Reuse a host key (OpenSSH private key text) instead of generating one. */
  hostPrivateKey?: string;
  /** Listen on this port instead of a free one. */
  port?: number;
}

const execFileAsync = promisify(execFile);

export async function startSshd(opts: StartSshdOptions = {}): Promise<SshdHandle> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "tandem-sshd-"));
  try {
    return await startIn(dir, opts);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function startIn(dir: string, opts: StartSshdOptions): Promise<SshdHandle> {
  const username = os.userInfo().username;
  const hostKeyPath = path.join(dir, "ssh_host_ed25519_key");
  if (opts.hostPrivateKey === undefined) {
    await generateKey(hostKeyPath, "tandem-test-host");
  } else {
    await writeFile(hostKeyPath, opts.hostPrivateKey, { mode: 0o600 });
    await writeFile(
      `${hostKeyPath}.pub`,
      (await execFileAsync("ssh-keygen", ["-y", "-f", hostKeyPath])).stdout,
    );
  }
  const hostKeySha256 = await fingerprintOfPubFile(`${hostKeyPath}.pub`);

  const clientKeyPath = path.join(dir, "client_ed25519_key");
  await generateKey(clientKeyPath, "tandem-test-client");
  const clientKey = {
    privateKey: await readFile(clientKeyPath, "utf8"),
    publicKey: (await readFile(`${clientKeyPath}.pub`, "utf8")).trim(),
  };
  const authorizedKeysPath = path.join(dir, "authorized_keys");
  await writeFile(
    authorizedKeysPath,
    [clientKey.publicKey, ...(opts.authorizedKeys ?? [])].join("\n") + "\n",
    { mode: 0o600 },
  );

  const port = opts.port ?? (await findFreePort());
  const configPath = path.join(dir, "sshd_config");
  // No Subsystem line: OpenSSH 9.2 rejects "Subsystem none" ("Missing subsystem command"); none configured is the default.
  const config = [
    "ListenAddress 127.0.0.1",
    `Port ${port}`,
    `HostKey ${hostKeyPath}`,
    `PidFile ${path.join(dir, "sshd.pid")}`,
    `AuthorizedKeysFile ${authorizedKeysPath}`,
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "UsePAM no",
    "StrictModes no",
    "PermitRootLogin prohibit-password",
    `AllowUsers ${username}`,
    "LogLevel VERBOSE",
    "PermitUserEnvironment no",
    // SFTP (agent install/upgrade), as Debian's default sshd_config offers it.
    "Subsystem sftp internal-sftp",
  ];
  await writeFile(configPath, config.join("\n") + "\n");

  // As root, sshd drops privileges into this empty directory; as another user it runs without privsep.
  if (process.getuid?.() === 0) await mkdir("/run/sshd", { recursive: true, mode: 0o755 });

  const child = spawn(SSHD, ["-D", "-e", "-f", configPath], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const spawnFailed = new Promise<never>((_, reject) => child.once("error", reject));

  const stop = async (): Promise<void> => {
    if (!hasExited && child.pid !== undefined) {
      killTree(child.pid);
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await Promise.race([
      spawnFailed,
      exited.then(() => Promise.reject(new Error(`sshd exited before listening: ${stderr.trim()}`))),
      waitForPort(port, () => stderr),
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    host: "127.0.0.1",
    port,
    username,
    hostKeySha256,
    hostPrivateKey: await readFile(hostKeyPath, "utf8"),
    clientKey,
    log: () => stderr,
    stop,
    dir,
  };
}

async function generateKey(file: string, comment: string): Promise<void> {
  await execFileAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file]);
}

/** Fingerprints the blob of a `.pub` line ourselves and insists that `ssh-keygen -lf` agrees. */
async function fingerprintOfPubFile(pubPath: string): Promise<string> {
  const blob = (await readFile(pubPath, "utf8")).trim().split(/\s+/)[1];
  if (blob === undefined) throw new Error(`no key in ${pubPath}`);
  const ours = fingerprintSha256(Buffer.from(blob, "base64"));
  // Sample output: "256 SHA256:W3rJkYZc5HkimjntJTcFUqSNC6Ln4NadWWSZ6S+5/zY tandem-test-host (ED25519)"
  const theirs = (await execFileAsync("ssh-keygen", ["-lf", pubPath])).stdout.split(/\s+/)[1];
  if (ours !== theirs) throw new Error(`host key fingerprint mismatch: ours ${ours}, ssh-keygen ${theirs}`);
  return ours;
}

/** A port nothing listens on right now (bind 127.0.0.1:0, read it, release it). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, stderr: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await canConnect(port))) {
    if (Date.now() > deadline)
      throw new Error(`sshd did not listen on ${port} within ${START_TIMEOUT_MS} ms: ${stderr().trim()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * Kills sshd and all its descendants. Each connection's sshd calls setsid(), so killing the process
 * group would leave live sessions behind; we walk the parent links in /proc instead. The listener is
 * stopped first so that it forks nothing new while we look.
 */
function killTree(pid: number): void {
  signal(pid, "SIGSTOP");
  for (const p of [pid, ...descendantsOf(pid)]) signal(p, "SIGKILL");
}

function descendantsOf(root: number): number[] {
  if (!existsSync("/proc")) return [];
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue; // gone meanwhile
    }
    // "1234 (sshd: root@notty) S 1200 ..." — comm may hold spaces and ")", so read after the last ")".
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
  }
  const found: number[] = [];
  const queue = [root];
  for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
    for (const c of children.get(p) ?? []) {
      found.push(c);
      queue.push(c);
    }
  }
  return found;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** An ssh2 transport to a test sshd: its user, the user key in authorized_keys, its pinned host key. */
export function sshTransportTo(
  server: SshdHandle,
  agentArgv: string[],
  overrides: Partial<SshTransportOptions> = {},
): SshTransport {
  return createSshTransport({
    host: server.host,
    port: server.port,
    username: server.username,
    privateKey: server.clientKey.privateKey,
    hostKeySha256: server.hostKeySha256,
    agentArgv,
    ...overrides,
  });
}
