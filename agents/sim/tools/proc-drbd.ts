/**
 * /proc/drbd of a simulated host whose kernel module is DRBD 8.x (drbd_proc.c `drbd_seq_show` of 8.4): the
 * file the agent reads when the host's drbd-utils are older than 9. 8.x prints replication states as the
 * connection state (cs:SyncSource), WFConnection where DRBD 9 says Connecting, and a blank line where minor
 * numbers skip.
 */
import { peerOf, replicationOf, resyncProgress, type SimWorld } from "../world";

function cs(world: SimWorld, name: string, host: string): string {
  const resource = world.resources[name]!;
  const side = resource.sides[host]!;
  if (side.connection === "Connecting") return "WFConnection";
  if (side.connection !== "Connected") return side.connection;
  const replication = replicationOf(resource, host);
  return replication === "Established" ? "Connected" : replication;
}

export function procDrbdText(world: SimWorld, host: string): string {
  const version = world.hosts[host]?.versions.drbdKernel ?? "8.4.11";
  let text =
    `version: ${version}-1 (api:1/proto:86-101)\n` +
    "GIT-hash: 66145a308421e9c124ec391a7848ac20203bb03c build by mockbuild@, 2018-04-26 12:10:42\n";
  const resources = Object.values(world.resources)
    .filter((r) => r.sides[host]?.up)
    .sort((a, b) => a.minor - b.minor);
  let last = -1;
  for (const r of resources) {
    if (r.minor > last + 1 && last >= 0) text += "\n";
    last = r.minor;
    const side = r.sides[host]!;
    const peer = peerOf(r, host);
    const peerSide = peer === undefined ? undefined : r.sides[peer];
    const connected = side.connection === "Connected";
    const peerRole = connected && peerSide ? peerSide.role : "Unknown";
    const peerDisk = connected && peerSide ? peerSide.disk : "DUnknown";
    const progress = connected ? resyncProgress(r, world.settledAtSimMs) : null;
    const oos = Math.round(progress?.remainingKiB ?? side.oosKiB);
    const state = cs(world, r.name, host);
    text +=
      `${String(r.minor).padStart(2)}: cs:${state} ro:${side.role}/${peerRole} ds:${side.disk}/${peerDisk} ${r.protocol} r-----\n` +
      `    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:${oos}\n`;
    if (progress && r.resync) {
      const filled = Math.floor(progress.percent / 5);
      const bar = `${"=".repeat(Math.max(0, filled - 1))}>${".".repeat(19 - Math.max(0, filled - 1))}`;
      const total = r.resync.totalKiB;
      const eta = progress.etaSeconds;
      const hms = `${Math.floor(eta / 3600)}:${String(Math.floor((eta % 3600) / 60)).padStart(2, "0")}:${String(eta % 60).padStart(2, "0")}`;
      const speed = Math.round(r.resync.rateKiBps).toLocaleString("en-US");
      text +=
        `\t[${bar}] sync'ed: ${progress.percent.toFixed(1).padStart(4)}% (${oos}/${Math.round(total)})K\n` +
        `\tfinish: ${hms} speed: ${speed} (${speed}) K/sec\n`;
    }
  }
  return text;
}
