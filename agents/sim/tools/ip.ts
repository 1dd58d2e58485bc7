/**
 * Stand-in for iproute2's `ip -json -4 addr show` on a simulated host: loopback and the host's own address
 * (world.hosts[host].address, on eth0), in iproute2's JSON shape; and `ip -json -d link show`: those links plus
 * the host's bridges (xenbr0 on a Xen host, br0 on a libvirt one, and an Open vSwitch bridge ovsbr0 with its
 * datapath ovs-system). Nothing else of `ip` is simulated.
 */
import { ToolExit, type ToolContext } from "./context";

const FOREVER = 4294967295;

export async function ip(args: string[], ctx: ToolContext): Promise<number> {
  const words = args.filter((a) => a !== "-json" && a !== "-j" && a !== "-4" && a !== "-d");
  const json = args.includes("-json") || args.includes("-j");
  if (json && args.includes("-d") && words.join(" ") === "link show") {
    ctx.out(`${JSON.stringify(linkTable(ctx))}\n`);
    return 0;
  }
  if (!json || !args.includes("-4") || words.join(" ") !== "addr show")
    throw new ToolExit(1, "tandem simulator: only `ip -json -4 addr show` is simulated\n");
  const host = ctx.store.read().hosts[ctx.host];
  const link = (ifindex: number, ifname: string, loopback: boolean, local: string, prefixlen: number) => ({
    ifindex,
    ifname,
    flags: loopback ? ["LOOPBACK", "UP", "LOWER_UP"] : ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"],
    mtu: loopback ? 65536 : 1500,
    qdisc: loopback ? "noqueue" : "pfifo_fast",
    operstate: loopback ? "UNKNOWN" : "UP",
    group: "default",
    txqlen: 1000,
    addr_info: [
      {
        family: "inet",
        local,
        prefixlen,
        ...(loopback ? {} : { broadcast: local.replace(/\.\d+$/, ".255") }),
        scope: loopback ? "host" : "global",
        label: ifname,
        valid_life_time: FOREVER,
        preferred_life_time: FOREVER,
      },
    ],
  });
  const links = [
    link(1, "lo", true, "127.0.0.1", 8),
    ...(host ? [link(2, "eth0", false, host.address, 24)] : []),
  ];
  ctx.out(`${JSON.stringify(links)}\n`);
  return 0;
}

/** `ip -json -d link show`: the links with their kind (linkinfo.info_kind), in iproute2's shape (trimmed). */
function linkTable(ctx: ToolContext): unknown[] {
  const host = ctx.store.read().hosts[ctx.host];
  const bridge = host?.hypervisor === "libvirt" ? "br0" : "xenbr0";
  const link = (ifindex: number, ifname: string, kind: string | null, up = true) => ({
    ifindex,
    ifname,
    flags:
      ifname === "lo"
        ? ["LOOPBACK", "UP", "LOWER_UP"]
        : ["BROADCAST", "MULTICAST", ...(up ? ["UP", "LOWER_UP"] : [])],
    mtu: ifname === "lo" ? 65536 : 1500,
    operstate: up ? (ifname === "lo" ? "UNKNOWN" : "UP") : "DOWN",
    link_type: ifname === "lo" ? "loopback" : "ether",
    ...(kind ? { linkinfo: { info_kind: kind } } : {}),
  });
  return [
    link(1, "lo", null),
    link(2, "eth0", null),
    link(3, bridge, "bridge"),
    link(4, "ovs-system", "openvswitch", false),
    link(5, "ovsbr0", "openvswitch"),
  ];
}
