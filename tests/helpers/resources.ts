/** A new resource pair's request as the wizard sends it, for the resource tests: r5 on vg0 of both hosts. */
import { ZCreateResourceRequest, type TCreateResourceRequest } from "../../lib/resources/create";

export function r5Request(
  extra: Record<string, unknown> = {},
  addresses: [string, string] = ["10.0.0.1", "10.0.0.2"],
): TCreateResourceRequest {
  return ZCreateResourceRequest.parse({
    name: "r5",
    sizeMiB: 1024,
    hosts: [
      { host: "xen1", vg: "vg0", address: addresses[0] },
      { host: "xen2", vg: "vg0", address: addresses[1] },
    ],
    initialPrimary: "xen1",
    initialSync: "skip",
    filesystem: { type: "ext4", mountPoint: "/srv/r5" },
    ...extra,
  });
}
