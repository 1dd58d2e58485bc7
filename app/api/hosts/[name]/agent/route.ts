import { z } from "zod";
import { apiRoute } from "@/lib/api/route";

export const dynamic = "force-dynamic";

/**
 * Install or upgrade the agent on a host: the panel's bundle is uploaded over SFTP, checked (SHA-256 on the
 * host), renamed into place and run once (`version`); the host's session then restarts on the new agent.
 * 200 `{ path, sha256, agentVersion, protocolVersion }`; 404 for an unknown host; 409 for a simulated host
 * or while another install on the host runs; 502 with the command's evidence when the host refuses.
 */
export const POST = apiRoute({
  permission: "agent:install",
  params: z
    .object({ name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9.-]{0,62}$/, "must be a host name") })
    .strict(),
  handler: async ({ params, runtime }) => runtime.farm.installAgent(params.name),
});
