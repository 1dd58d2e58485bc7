/**
 * Stand-ins for LVM2's lvs, vgs, lvcreate and lvremove on a simulated host's volume group, printing the report
 * formats the agent reads (`--reportformat json`, and `--noheadings --separator`) and LVM's own messages.
 */
import { attachedTo, forgetResourcesWithoutDisks } from "../drbd-config";
import type { SimWorld } from "../world";
import { ToolExit, type ToolContext } from "./context";

/** LVM extents: sizes are rounded up to 4 MiB, as lvcreate does with the default extent size. */
const EXTENT = 4 * 1024 * 1024;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function positionals(args: string[]): string[] {
  const withValue = new Set([
    "-o",
    "--reportformat",
    "--units",
    "--separator",
    "-n",
    "--name",
    "-L",
    "--size",
  ]);
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (withValue.has(args[i]!)) i++;
    else if (!args[i]!.startsWith("-")) out.push(args[i]!);
  }
  return out;
}

function vgOf(world: SimWorld, host: string) {
  return world.hosts[host]!.vg;
}

/** `lvm.conf`-style report: JSON (lvmreport(7), one object per line) or plain rows. */
function report(args: string[], key: "lv" | "vg", rows: Array<Record<string, string>>): string {
  const fields = (option(args, "-o") ?? "").split(",").filter(Boolean);
  const pick = (row: Record<string, string>) => fields.map((f) => [f, row[f] ?? ""] as const);
  if (option(args, "--reportformat") === "json") {
    const lines = rows.map(
      (r) =>
        `                  {${pick(r)
          .map(([k, v]) => `"${k}":"${v}"`)
          .join(", ")}}`,
    );
    return `  {\n      "report": [\n          {\n              "${key}": [\n${lines.join(",\n")}\n              ]\n          }\n      ]\n  }\n`;
  }
  const sep = option(args, "--separator") ?? " ";
  return rows
    .map(
      (r) =>
        `  ${pick(r)
          .map(([, v]) => v)
          .join(sep)}\n`,
    )
    .join("");
}

function checkVg(world: SimWorld, host: string, name: string | undefined): void {
  if (name !== undefined && name !== vgOf(world, host).name)
    throw new ToolExit(5, `  Volume group "${name}" not found\n  Cannot process volume group ${name}\n`);
}

export async function lvs(args: string[], ctx: ToolContext): Promise<number> {
  const world = ctx.store.read();
  const [vgName] = positionals(args);
  checkVg(world, ctx.host, vgName);
  const vg = vgOf(world, ctx.host);
  const rows = vg.lvs.map((lv) => ({
    vg_name: vg.name,
    lv_name: lv.name,
    lv_size: String(lv.sizeBytes),
    // Open while a DRBD side is attached to it.
    lv_attr: attachedTo(world, ctx.host, `/dev/${vg.name}/${lv.name}`) ? "-wi-ao----" : "-wi-a-----",
    lv_path: `/dev/${vg.name}/${lv.name}`,
  }));
  ctx.out(report(args, "lv", rows));
  return 0;
}

export async function vgs(args: string[], ctx: ToolContext): Promise<number> {
  const world = ctx.store.read();
  const [vgName] = positionals(args);
  checkVg(world, ctx.host, vgName);
  const vg = vgOf(world, ctx.host);
  const used = vg.lvs.reduce((sum, lv) => sum + lv.sizeBytes, 0);
  ctx.out(
    report(args, "vg", [
      { vg_name: vg.name, vg_size: String(vg.sizeBytes), vg_free: String(vg.sizeBytes - used) },
    ]),
  );
  return 0;
}

export async function lvcreate(args: string[], ctx: ToolContext): Promise<number> {
  const name = option(args, "-n") ?? option(args, "--name");
  const size = option(args, "-L") ?? option(args, "--size");
  const [vgName] = positionals(args);
  const bytes = /^(\d+)b$/.exec(size ?? "")?.[1];
  if (!name || !bytes || !vgName) throw new ToolExit(3, "  Please specify a logical volume name and size.\n");
  const sizeBytes = Math.ceil(Number(bytes) / EXTENT) * EXTENT;
  ctx.store.update((world) => {
    checkVg(world, ctx.host, vgName);
    const vg = vgOf(world, ctx.host);
    if (vg.lvs.some((lv) => lv.name === name))
      throw new ToolExit(5, `  Logical Volume "${name}" already exists in volume group "${vg.name}"\n`);
    const free = vg.sizeBytes - vg.lvs.reduce((sum, lv) => sum + lv.sizeBytes, 0);
    if (sizeBytes > free)
      throw new ToolExit(
        5,
        `  Volume group "${vg.name}" has insufficient free space (${free / EXTENT} extents): ${sizeBytes / EXTENT} required.\n`,
      );
    vg.lvs.push({ name, sizeBytes });
  });
  ctx.out(`  Logical volume "${name}" created.\n`);
  return 0;
}

export async function lvremove(args: string[], ctx: ToolContext): Promise<number> {
  const [target] = positionals(args);
  const [vgName, lvName] = (target ?? "").split("/");
  ctx.store.update((world) => {
    checkVg(world, ctx.host, vgName);
    const vg = vgOf(world, ctx.host);
    const i = vg.lvs.findIndex((lv) => lv.name === lvName);
    if (i < 0) throw new ToolExit(5, `  Failed to find logical volume "${target ?? ""}"\n`);
    const device = `/dev/${vg.name}/${lvName ?? ""}`;
    if (attachedTo(world, ctx.host, device))
      throw new ToolExit(5, `  Logical volume ${target ?? ""} contains a filesystem in use.\n`);
    vg.lvs.splice(i, 1);
    // The DRBD metadata went with the LV; a resource down everywhere with no disk left is forgotten.
    forgetResourcesWithoutDisks(world, ctx.host, device);
  });
  ctx.out(`  Logical volume "${lvName ?? ""}" successfully removed.\n`);
  return 0;
}
