import { z } from "zod";
import { ParseError } from "../../../lib/errors/app-error";

/** The host's IPv4 addresses, as iproute2 reports them in JSON (`ip -json`, iproute2 4.13 and later). */
export function ipAddrArgv(): string[] {
  return ["ip", "-json", "-4", "addr", "show"];
}

export interface HostAddress {
  interface: string;
  address: string;
  prefixLength: number;
  /** iproute2's scope: "global" for a routable address, "host" for loopback, "link" for link-local. */
  scope: string;
  /** The interface is up (operstate UP, or UNKNOWN as loopback and some virtual links report). */
  up: boolean;
}

const ZIpAddr = z.array(
  z.object({
    ifname: z.string(),
    operstate: z.string().optional(),
    flags: z.array(z.string()).optional(),
    addr_info: z
      .array(
        z.object({
          family: z.string(),
          local: z.string(),
          prefixlen: z.number().int(),
          scope: z.string().optional(),
        }),
      )
      .default([]),
  }),
);

/** `ip -json -4 addr show`: one entry per IPv4 address, in the order iproute2 prints them. */
export function parseIpAddrJson(text: string): HostAddress[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ParseError("ip -json addr", "not JSON", text.split("\n")[0]);
  }
  const parsed = ZIpAddr.safeParse(json);
  if (!parsed.success)
    throw new ParseError(
      "ip -json addr",
      `unexpected shape: ${parsed.error.issues[0]?.message ?? "invalid"}`,
    );
  return parsed.data.flatMap((link) =>
    link.addr_info
      .filter((a) => a.family === "inet")
      .map((a) => ({
        interface: link.ifname,
        address: a.local,
        prefixLength: a.prefixlen,
        scope: a.scope ?? "global",
        up: link.operstate === "UP" || (link.operstate === "UNKNOWN" && (link.flags ?? []).includes("UP")),
      })),
  );
}
