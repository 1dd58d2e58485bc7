import { apiRoute } from "@/lib/api/route";
import { ZHostParams, ZInstallRequest } from "@/lib/hosts/service";

export const dynamic = "force-dynamic";

/**
 * Installs the agent through the bootstrap line (`{ authorizedKeysPath? }`, default `.ssh/authorized_keys`): uploads
 * it, checks its SHA-256 on the host, replaces the bootstrap line with the restricted one, then tests the connection.
 */
export const POST = apiRoute({
  permission: "agent:install",
  stepUp: true,
  params: ZHostParams,
  body: ZInstallRequest,
  handler: async ({ params, body, runtime }) => ({
    host: await runtime.onboarding.install(params.name, body),
  }),
});
