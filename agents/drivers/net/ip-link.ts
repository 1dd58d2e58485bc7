import { z } from "zod";
import { ParseError } from "../../../lib/errors/app-error";

/** Every link with its details (`-d` adds linkinfo.info_kind), as JSON (iproute2 4.13 and later). */
export function ipLinkArgv(): string[] {
  return ["ip", "-json", "-d", "link", "show"];
}

export interface HostBridge {
  name: string;
  /** A Linux bridge, or an Open vSwitch bridge (the only kind on which a VM's VLAN tag can be set). */
  kind: "bridge" | "openvswitch";
  up: boolean;
}

const ZIpLink = z.array(
  z.object({
    ifname: z.string(),
    operstate: z.string().optional(),
    flags: z.array(z.string()).optional(),
    linkinfo: z.object({ info_kind: z.string().optional() }).passthrough().optional(),
  }),
);

/**
 * The bridges a VM's network interface can join: Linux bridges (info_kind "bridge") and Open vSwitch bridges
 * (internal ports of kind "openvswitch", except the datapath itself, ovs-system).
 */
export function parseIpLinkBridges(text: string): HostBridge[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ParseError("ip -json link", "not JSON", text.split("\n")[0]);
  }
  const parsed = ZIpLink.safeParse(json);
  if (!parsed.success)
    throw new ParseError(
      "ip -json link",
      `unexpected shape: ${parsed.error.issues[0]?.message ?? "invalid"}`,
    );
  return parsed.data.flatMap((link): HostBridge[] => {
    const kind = link.linkinfo?.info_kind;
    if (kind !== "bridge" && !(kind === "openvswitch" && link.ifname !== "ovs-system")) return [];
    return [{ name: link.ifname, kind, up: (link.flags ?? []).includes("UP") }];
  });
}
