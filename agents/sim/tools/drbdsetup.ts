import fs from "node:fs";
import { events2Objects, statusJson } from "./drbd-format";
import { ToolExit, type ToolContext } from "./context";

const POLL_MS = 100;

/** Stand-in for `drbdsetup`: `events2 [--now] [--statistics] [res|all]` and `status --json [res|all]`. */
export async function drbdsetup(args: string[], ctx: ToolContext): Promise<number> {
  const [command, ...rest] = args;
  const flags = new Set(rest.filter((a) => a.startsWith("--")));
  const target = rest.find((a) => !a.startsWith("--"));
  switch (command) {
    case "events2":
      return events2(ctx, {
        now: flags.has("--now"),
        statistics: flags.has("--statistics"),
        ...(target ? { target } : {}),
      });
    case "status":
      if (!flags.has("--json"))
        throw new ToolExit(20, "tandem simulator: only `drbdsetup status --json` is simulated\n");
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
    const resyncing = Object.values(world.resources).some((r) => r.resync);
    if (mtime === lastMtime && !resyncing) continue;
    lastMtime = mtime;
    const next = snapshot();
    let text = "";
    for (const [key, obj] of next) {
      const prev = last.get(key);
      if (!prev) text += `create ${obj.object} ${obj.attrs}\n`;
      else if (prev.attrs !== obj.attrs) text += `change ${obj.object} ${obj.attrs}\n`;
    }
    for (const [key, obj] of [...last].reverse()) {
      if (!next.has(key))
        text += `destroy ${obj.object} ${obj.attrs
          .split(" ")
          .slice(0, obj.object === "resource" ? 1 : 3)
          .join(" ")}\n`;
    }
    last = next;
    if (text) ctx.out(text);
  }
}
