import fs from "node:fs";
import { events2Objects, statusJson, type Events2Object } from "./drbd-format";
import { ToolExit, type ToolContext } from "./context";
import {
  attach,
  connectPeer,
  DrbdConfigFailure,
  EXIT_CONFIG_FAILURE,
  newMinor,
  newPath,
  newPeer,
  newResource,
  NotSimulated,
  takeDown,
} from "../drbd-config";
import {
  connect,
  demote,
  disconnect,
  DrbdRefusal,
  stateChangeExitCode,
  invalidate,
  newCurrentUuidClearBitmap,
  outdate,
  promote,
  sideOf,
} from "../drbd-kernel";
import {
  hasDevice,
  isDrbd8Host,
  nodeIdOf as nodeId,
  peerOf,
  type SimResource,
  type SimWorld,
} from "../world";
import { drbdAddressOf } from "../store";

/** drbdsetup's exit code when the object named does not exist. */
const EXIT_NO_SUCH_OBJECT = 10;

const POLL_MS = 100;

/**
 * Stand-in for `drbdsetup`, the kernel side of the simulated farm: `events2 [--now] [--statistics]`,
 * `status --json`, and the state changes the real drbdadm asks for (`primary <res> [--force]`,
 * `secondary <res>`, `connect <res> <peer-node-id> [--discard-my-data]`, `disconnect <res> <peer-node-id>`,
 * `invalidate <minor>`, `outdate <minor>`, `new-current-uuid <minor> --clear-bitmap`, `role`, `cstate`, `dstate`), refusing as
 * the kernel refuses (see ../drbd-kernel.ts). The configuration verbs drbdadm up sends (new-resource, new-minor,
 * new-peer, new-path, attach) and `down` configure the resource in this host's kernel, new ones too
 * (../drbd-config.ts); for a side configured already they change nothing, so `drbdadm adjust` (which gets no
 * `show` output to compare with) can re-send them. The option verbs (resource-options, net-options, ...) are no-ops.
 */
export async function drbdsetup(args: string[], ctx: ToolContext): Promise<number> {
  const [command, ...rest] = args;
  const flags = new Set(rest.filter((a) => a.startsWith("--")));
  const positional = rest.filter((a) => !a.startsWith("--"));
  const target = positional[0];
  if (isDrbd8Host(ctx.store.read(), ctx.host)) {
    const handled = drbdsetup84(command, rest, flags, ctx);
    if (handled !== null) return handled;
  }
  switch (command) {
    case "primary":
      change(ctx, byName(target), (w, r) => promote(w, r, ctx.host, flags.has("--force")));
      return 0;
    case "secondary":
      change(ctx, byName(target), (w, r) => demote(w, r, ctx.host));
      return 0;
    case "connect":
      change(ctx, byName(target), (w, r) =>
        connectPeer(w, r, ctx.host, { discardMyData: flags.has("--discard-my-data") }),
      );
      return 0;
    case "disconnect":
      change(ctx, byName(target), (w, r) => disconnect(w, r, ctx.host));
      return 0;
    case "new-resource":
      configure(ctx, (w) => newResource(w, ctx.host, target ?? "", Number(positional[1] ?? 0)));
      return 0;
    case "new-minor":
      configure(ctx, (w) =>
        newMinor(w, ctx.host, target ?? "", Number(positional[1]), Number(positional[2] ?? 0)),
      );
      return 0;
    case "new-peer": {
      const twoPrimaries = optionValue(rest, "--allow-two-primaries");
      configure(ctx, (w) =>
        newPeer(w, ctx.host, target ?? "", {
          nodeId: Number(positional[1]),
          name: optionValue(rest, "--_name"),
          ...optional("protocol", optionValue(rest, "--protocol")),
          ...optional("allowTwoPrimaries", twoPrimaries === undefined ? undefined : twoPrimaries !== "no"),
        }),
      );
      return 0;
    }
    case "new-path":
      configure(ctx, (w) => newPath(w, ctx.host, target ?? "", positional[2] ?? ""));
      return 0;
    case "attach":
      configure(ctx, (w) => attach(w, ctx.host, Number(target), positional[1] ?? ""));
      return 0;
    case "down":
      configure(ctx, (w) => takeDown(w, ctx.host, target ?? ""));
      return 0;
    case "invalidate":
      change(ctx, byMinor(target), (w, r) => invalidate(w, r, ctx.host));
      return 0;
    case "outdate": {
      // drbdadm 9 sends `outdate <resource> <minor>`: the minor is the last word.
      change(ctx, byMinor(positional.at(-1)), (_w, r) => outdate(r, ctx.host));
      return 0;
    }
    case "new-current-uuid":
      if (!flags.has("--clear-bitmap"))
        throw new ToolExit(20, "tandem simulator: only `new-current-uuid --clear-bitmap` is simulated\n");
      change(ctx, byMinor(target), (w, r) => newCurrentUuidClearBitmap(w, r, ctx.host));
      return 0;
    case "role":
      ctx.out(
        `${
          sideOf(
            find(
              ctx,
              byName(target, (n) => `${n}: Unknown resource\n`),
            ),
            ctx.host,
          ).role
        }\n`,
      );
      return 0;
    case "cstate":
      ctx.out(
        `${
          sideOf(
            find(
              ctx,
              byName(target, (n) => `${n}: No such connection\n`),
            ),
            ctx.host,
          ).connection
        }\n`,
      );
      return 0;
    case "dstate": {
      const resource = find(
        ctx,
        byMinor(target, (n) => `${n}: No such device\n`),
      );
      const peer = peerOf(resource, ctx.host);
      const side = sideOf(resource, ctx.host);
      const peerSide = peer === undefined ? undefined : resource.sides[peer];
      const peerDisk = side.connection === "Connected" && peerSide ? peerSide.disk : "DUnknown";
      ctx.out(`${side.disk}/${peerDisk}\n`);
      return 0;
    }
    case "resource-options":
    case "net-options":
    case "disk-options":
    case "peer-device-options":
      // Options the simulated kernel does not model (drbdadm adjust re-sends them): nothing to do.
      return 0;
    case "show":
      // Prints nothing, so drbdadm adjust re-sends the configuration verbs above (accepted as they are).
      return 0;
    case "events2":
      return events2(ctx, {
        now: flags.has("--now"),
        statistics: flags.has("--statistics"),
        ...(target ? { target } : {}),
      });
    case "status":
      if (!flags.has("--json"))
        throw new ToolExit(20, "tandem simulator: only `drbdsetup status --json` is simulated\n");
      if (target !== undefined && target !== "all")
        find(
          ctx,
          byName(target, (n) => `${n}: No such resource\n`),
        );
      ctx.out(statusJson(ctx.store.read(), ctx.host, target));
      return 0;
    default:
      throw new ToolExit(20, `drbdsetup: unknown command '${command ?? ""}'\n`);
  }
}

async function events2(
  ctx: ToolContext,
  opts: { now: boolean; statistics: boolean; target?: string },
): Promise<number> {
  const snapshot = () =>
    new Map(events2Objects(ctx.store.read(), ctx.host, opts.statistics, opts.target).map((o) => [o.key, o]));
  let last = snapshot();
  ctx.out([...last.values()].map((o) => `exists ${o.object} ${o.attrs}\n`).join("") + "exists -\n");
  if (opts.now) return 0;

  // Streaming: print create/change/destroy lines as the world changes, as the kernel's netlink events would.
  // Unlike the real tool (which notices a dead reader only at its next write), stop as soon as the process
  // that started us is gone, so that a killed agent leaves no simulator process behind.
  const parent = process.ppid;
  let lastMtime = 0;
  let wasResyncing = false;
  const splitAt = (world: SimWorld) =>
    new Map(Object.values(world.resources).map((r) => [r.name, r.splitBrainAtSimMs]));
  let lastSplit = splitAt(ctx.store.read());
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    if (process.ppid !== parent) return 0;
    let mtime = 0;
    try {
      mtime = fs.statSync(ctx.store.file).mtimeMs;
    } catch {
      continue;
    }
    const world = ctx.store.read();
    // A host that lost power takes its processes with it: the stream ends without a word about the crash.
    if (world.hosts[ctx.host]?.power === "off") return 137;
    // A resync moves with time alone, and ends without a write of the world: look once more after it ended.
    const resyncing = Object.values(world.resources).some((r) => r.resync);
    if (mtime === lastMtime && !resyncing && !wasResyncing) continue;
    lastMtime = mtime;
    wasResyncing = resyncing;
    const next = snapshot();
    const text = events2Changes(last, next) + splitBrainHelperLines(world, ctx.host, lastSplit);
    lastSplit = splitAt(world);
    last = next;
    if (text) ctx.out(text);
  }
}

/**
 * A handshake that found split brain calls the kernel's `split-brain` helper on each node (DRBD 9.0.26 and later
 * detect it on both), which events2 reports as a call and its response; the connection is then StandAlone.
 */
function splitBrainHelperLines(
  world: SimWorld,
  host: string,
  before: ReadonlyMap<string, number | null>,
): string {
  let text = "";
  for (const r of Object.values(world.resources)) {
    if (r.splitBrainAtSimMs === null || r.splitBrainAtSimMs === before.get(r.name) || !r.sides[host]?.up)
      continue;
    const peer = Object.keys(r.sides).find((h) => h !== host);
    if (peer === undefined) continue;
    const ids = `name:${r.name} peer-node-id:${nodeId(r, peer)} conn-name:${peer} volume:0 helper:split-brain`;
    text += `call helper ${ids}\nresponse helper ${ids} status:0\n`;
  }
  return text;
}

/** Creation order of the kernel's objects (drbdadm up: new-resource, new-minor, new-peer); destroyed the other way. */
const CREATE_ORDER: Record<Events2Object["object"], number> = {
  resource: 0,
  device: 1,
  connection: 2,
  "peer-device": 3,
};
/** Destroy order as `drbdsetup down` reports it (drbd-utils tests/v9/events2-all-create-destroy.test). */
const DESTROY_ORDER: Record<Events2Object["object"], number> = {
  "peer-device": 0,
  connection: 1,
  device: 2,
  resource: 3,
};

/**
 * The events2 lines that lead from one snapshot of a host's objects to the next, as the kernel's notifications
 * would: `create` (whole object, in creation order), `change` (whole object: drbdsetup prints every attribute),
 * `destroy` (only the keys that name the object).
 */
export function events2Changes(
  last: ReadonlyMap<string, Events2Object>,
  next: ReadonlyMap<string, Events2Object>,
): string {
  const created = [...next.values()]
    .filter((o) => !last.has(o.key))
    .sort((a, b) => CREATE_ORDER[a.object] - CREATE_ORDER[b.object]);
  const changed = [...next.values()].filter((o) => {
    const prev = last.get(o.key);
    return prev !== undefined && prev.attrs !== o.attrs;
  });
  const destroyed = [...last.values()]
    .filter((o) => !next.has(o.key))
    .sort((a, b) => DESTROY_ORDER[a.object] - DESTROY_ORDER[b.object]);
  return [
    ...created.map((o) => `create ${o.object} ${o.attrs}\n`),
    ...changed.map((o) => `change ${o.object} ${o.attrs}\n`),
    ...destroyed.map((o) => `destroy ${o.object} ${o.id}\n`),
  ].join("");
}

/**
 * How a command names its object, and what drbdsetup says when there is none (user/v9/drbdsetup.c): the kernel's
 * "Failure: (158) Unknown resource" / "(127) Device minor not allocated" for state changes, the tool's own
 * "No such resource/connection/device" for the read-only commands. All exit 10.
 */
type Lookup = { by: "name" | "minor"; value: string | undefined; missing: (name: string) => string };
const KERNEL_UNKNOWN_RESOURCE = (n: string) =>
  `${n}: Failure: (158) Unknown resource\nadditional info from kernel:\nunknown resource\n`;
const KERNEL_UNKNOWN_MINOR = (n: string) =>
  `${n}: Failure: (127) Device minor not allocated\nadditional info from kernel:\nunknown minor\n`;
const byName = (value: string | undefined, missing = KERNEL_UNKNOWN_RESOURCE): Lookup => ({
  by: "name",
  value,
  missing,
});
const byMinor = (value: string | undefined, missing = KERNEL_UNKNOWN_MINOR): Lookup => ({
  by: "minor",
  value,
  missing,
});

/** The resource as this host's kernel has it: configured here (up), and for a minor, with that device. */
function lookup(world: SimWorld, host: string, key: Lookup): SimResource {
  const resource = Object.values(world.resources).find((r) =>
    key.by === "name"
      ? r.name === key.value && r.sides[host]?.up
      : String(r.minor) === key.value && hasDevice(r, host),
  );
  if (!resource) throw new ToolExit(EXIT_NO_SUCH_OBJECT, key.missing(key.value ?? ""));
  return resource;
}

function find(ctx: ToolContext, key: Lookup): SimResource {
  return lookup(ctx.store.read(), ctx.host, key);
}

/** Applies one kernel state change to the world, or exits as drbdsetup does when the kernel refuses it. */
function change(
  ctx: ToolContext,
  key: Lookup,
  apply: (world: SimWorld, resource: SimResource) => void,
  objectName?: (resource: SimResource) => string,
): void {
  let named: SimResource | undefined;
  try {
    ctx.store.update((world) => {
      named = lookup(world, ctx.host, key);
      apply(world, named);
    });
  } catch (err) {
    // DRBD 8.4 names the minor ("1: State change failed: ..."), 9 the resource.
    throw toolExitOf(err, objectName && named ? objectName(named) : undefined);
  }
}

/** Applies a configuration request to the world, or exits as drbdsetup does when the kernel refuses it. */
function configure(ctx: ToolContext, apply: (world: SimWorld) => void): void {
  try {
    ctx.store.update(apply);
  } catch (err) {
    throw toolExitOf(err);
  }
}

/** The exit (code and stderr) drbdsetup ends with for a refusal from the simulated kernel; other errors as they are. */
function toolExitOf(err: unknown, objectName?: string): unknown {
  if (err instanceof DrbdRefusal) {
    const info = err.info.length ? `additional info from kernel:\n${err.info.join("\n")}\n` : "";
    const message = objectName ? err.message.replace(/^[^:]+:/, `${objectName}:`) : err.message;
    return new ToolExit(stateChangeExitCode(err.code), `${message}\n${info}`);
  }
  if (err instanceof DrbdConfigFailure) return new ToolExit(EXIT_CONFIG_FAILURE, err.stderr);
  if (err instanceof NotSimulated) return new ToolExit(20, `tandem simulator: ${err.message}\n`);
  return err;
}

/** The value of `--name=value` among drbdsetup's options (drbdadm passes them that way). */
function optionValue(args: string[], name: string): string | undefined {
  const arg = args.find((a) => a === name || a.startsWith(`${name}=`));
  if (arg === undefined) return undefined;
  return arg === name ? "yes" : arg.slice(name.length + 1);
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/**
 * DRBD 8.4's drbdsetup syntax, as drbdadm-84 calls it: `primary <minor> [--force]`, `secondary <minor>`,
 * `connect <res> <local-addr> <peer-addr> [...]`, `disconnect <local-addr> <peer-addr>`, `invalidate <minor>`,
 * `new-current-uuid <minor> --clear-bitmap`. Refusals name the minor ("1: State change failed: (-2) ...").
 * Returns null for the verbs whose 8.4 form is the same as 9's.
 */
function drbdsetup84(
  command: string | undefined,
  rest: string[],
  flags: Set<string>,
  ctx: ToolContext,
): number | null {
  const positional = rest.filter((a) => !a.startsWith("--"));
  const minor = (missing = KERNEL_UNKNOWN_MINOR): Lookup => ({ by: "minor", value: positional[0], missing });
  const named = (r: SimResource) => r.minor.toString();
  switch (command) {
    case "primary":
      change(
        ctx,
        minor(),
        (w, r) => promote(w, r, ctx.host, flags.has("--force") || flags.has("--overwrite-data-of-peer")),
        named,
      );
      return 0;
    case "secondary":
      change(ctx, minor(), (w, r) => demote(w, r, ctx.host), named);
      return 0;
    case "connect":
      change(ctx, byName(positional[0]), (w, r) =>
        connect(w, r, ctx.host, { discardMyData: flags.has("--discard-my-data") }),
      );
      return 0;
    case "new-resource":
    case "new-minor":
    case "attach":
    case "resource-options":
    case "disk-options":
    case "net-options":
    case "syncer": {
      // drbdadm-84 up/adjust: accepted for what the kernel already has configured; configuring a resource afresh
      // (8.4 has no new-peer/new-path: connect carries the addresses) is not simulated on 8.4 hosts.
      const world = ctx.store.read();
      const known =
        command === "attach"
          ? Object.values(world.resources).some(
              (r) => String(r.minor) === positional[0] && hasDevice(r, ctx.host),
            )
          : world.resources[positional[0] ?? ""]?.sides[ctx.host]?.up === true;
      if (!known)
        throw new ToolExit(
          20,
          `tandem simulator: new resources are not simulated on DRBD 8.4 hosts (drbdsetup ${command} ${positional.join(" ")})\n`,
        );
      return 0;
    }
    case "down":
      throw new ToolExit(20, "tandem simulator: drbdsetup down is not simulated on DRBD 8.4 hosts\n");
    case "disconnect": {
      // By the local address the resource file gives this host. (For addresses no resource has, the kernel's
      // exact answer is not known to us: the unknown-resource failure stands in for it.)
      const local = (positional[0] ?? "").replace(/^ipv4:/, "");
      const world = ctx.store.read();
      const resource = Object.values(world.resources).find(
        (r) => r.sides[ctx.host] !== undefined && drbdAddressOf(world, r, ctx.host) === local,
      );
      change(ctx, byName(resource?.name ?? positional[0]), (w, r) => disconnect(w, r, ctx.host));
      return 0;
    }
    default:
      return null;
  }
}
