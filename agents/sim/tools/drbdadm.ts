import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { hostEtcDir } from "../store";
import { isDrbd8Host } from "../world";
import { ToolExit, type ToolContext } from "./context";
import { drbdsetup } from "./drbdsetup";

/** Where Debian's drbd-utils installs drbdadm (never the stand-in on the simulated host's PATH). */
const REAL_DRBDADM = ["/usr/sbin/drbdadm", "/sbin/drbdadm", "/usr/local/sbin/drbdadm"];

/** drbd-utils 9 ships the DRBD 8.4 drbdadm too; a simulated 8.4 host uses it. */
const REAL_DRBDADM_84 = ["/lib/drbd/drbdadm-84", "/usr/lib/drbd/drbdadm-84"];

/** drbdadm's chatter when __DRBD_NODE__ names the host, and modprobe's absence on a machine without DRBD. */
const NOISE = [
  /^\s*found __DRBD_NODE__ in environment$/,
  /^\s*PRETENDING that I am >>.*<<$/,
  /modinfo: not found$/,
];

/**
 * Stand-in for `drbdadm` on a simulated host. With Debian's drbd-utils installed it runs the real drbdadm on
 * the host's own configuration (`<sim>/hosts/<host>/etc/drbd.conf`), as that host (`__DRBD_NODE__`), with the
 * stand-in drbdsetup and drbdmeta as its kernel side (`-s`, `-m`): drbdadm's parsing, its command sequences and
 * its error reports are the real ones. Without drbd-utils, a built-in drbdadm maps the verbs the agent uses
 * straight onto drbdsetup. `--version` reports the simulated host's DRBD versions either way.
 */
export async function drbdadm(args: string[], ctx: ToolContext): Promise<number> {
  if (args[0] === "--version" || args[0] === "-V") {
    ctx.out(versionText(ctx));
    return 0;
  }
  if (isDrbd8Host(ctx.store.read(), ctx.host)) {
    const real84 = REAL_DRBDADM_84.find((p) => fs.existsSync(p));
    if (real84) return runReal84(real84, args, ctx);
  }
  const real = REAL_DRBDADM.find((p) => fs.existsSync(p));
  return real ? runReal(real, args, ctx) : builtIn(args, ctx);
}

function versionText(ctx: ToolContext): string {
  const host = ctx.store.read().hosts[ctx.host];
  const utils = host?.versions.drbdUtils ?? "9.22.0";
  const kernel = host?.versions.drbdKernel ?? "9.2.8";
  return [
    "DRBDADM_BUILDTAG=GIT-hash:\\ 409097fe02187f83790b88ac3e0d94f3c167adab\\ reproducible\\ build\\,\\ 2023-01-09\\ 14:51:18",
    "DRBDADM_API_VERSION=2",
    `DRBD_KERNEL_VERSION_CODE=0x${versionCode(kernel)}`,
    `DRBD_KERNEL_VERSION=${kernel}`,
    `DRBDADM_VERSION_CODE=0x${versionCode(utils)}`,
    `DRBDADM_VERSION=${utils}`,
    "",
  ].join("\n");
}

/** The 8.4 drbdadm needs its tools by path: the stand-in drbdsetup (speaking 8.4 syntax on this host) and drbdmeta. */
function runReal84(real: string, args: string[], ctx: ToolContext): Promise<number> {
  const bin = path.join(ctx.store.dir, "bin");
  const argv = [
    "-c",
    path.join(hostEtcDir(ctx.store.dir, ctx.host), "drbd.conf"),
    "-s",
    path.join(bin, "drbdsetup"),
    "-m",
    path.join(bin, "drbdmeta"),
    ...args,
  ];
  return spawnFiltered(
    real,
    argv,
    { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}`, __DRBD_NODE__: ctx.host },
    ctx,
  );
}

function runReal(real: string, args: string[], ctx: ToolContext): Promise<number> {
  // Started by bare name (a link to it first on PATH), drbdadm finds drbdsetup and drbdmeta on PATH too, which
  // puts the stand-ins under the real names: a failed step reads exactly as on a real host
  // ("Command 'drbdsetup primary r1' terminated with exit code 17").
  const bin = path.join(ctx.store.dir, "bin");
  const realDir = path.join(ctx.store.dir, "drbd-utils");
  if (!fs.existsSync(path.join(realDir, "drbdadm"))) {
    fs.mkdirSync(realDir, { recursive: true });
    try {
      fs.symlinkSync(real, path.join(realDir, "drbdadm"));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
  const argv = ["-c", path.join(hostEtcDir(ctx.store.dir, ctx.host), "drbd.conf"), ...args];
  return spawnFiltered(
    "drbdadm",
    argv,
    { ...process.env, PATH: `${realDir}:${bin}:${process.env.PATH ?? ""}`, __DRBD_NODE__: ctx.host },
    ctx,
  );
}

/** Runs drbdadm, passing its output on without the chatter __DRBD_NODE__ causes; resolves with its exit code. */
function spawnFiltered(
  cmd: string,
  argv: string[],
  env: NodeJS.ProcessEnv,
  ctx: ToolContext,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => ctx.out(b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const lines = stderr.split("\n").filter((l) => !NOISE.some((re) => re.test(l)));
      const text = lines.join("\n").replace(/^\n+/, "");
      if (text.trim() !== "") ctx.err(text.endsWith("\n") ? text : `${text}\n`);
      resolve(code ?? 1);
    });
  });
}

/** The verbs the agent uses, as drbdadm 9 translates them (node ids follow host names, as in the files). */
async function builtIn(args: string[], ctx: ToolContext): Promise<number> {
  const options = args.filter((a) => a.startsWith("--"));
  const [command, name] = args.filter((a) => !a.startsWith("--"));
  const resource = name === undefined ? undefined : ctx.store.read().resources[name];
  if (!resource || !resource.sides[ctx.host]) {
    throw new ToolExit(10, `'${name ?? ""}' not defined in your config (for this host).\n`);
  }
  const peerId = String(
    Object.keys(resource.sides)
      .sort()
      .findIndex((h) => h !== ctx.host),
  );
  const setup = (...argv: string[]) => drbdsetup(argv, ctx);
  switch (command) {
    case "primary":
      return setup("primary", resource.name, ...options);
    case "secondary":
      return setup("secondary", resource.name);
    case "connect":
      return setup("connect", resource.name, peerId, ...options);
    case "disconnect":
      return setup("disconnect", resource.name, peerId);
    case "invalidate":
      return setup("invalidate", String(resource.minor));
    case "new-current-uuid":
      return setup("new-current-uuid", String(resource.minor), ...options);
    default:
      throw new ToolExit(20, `drbdadm: '${command ?? ""}' needs drbd-utils (not in the built-in stand-in)\n`);
  }
}

function versionCode(version: string): string {
  return version
    .split(".")
    .map((n) => Number(n).toString(16).padStart(2, "0"))
    .join("")
    .padStart(6, "0");
}
