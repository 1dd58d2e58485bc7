import { ApiResponse, apiRoute } from "@/lib/api/route";
import { ZOnboardRequest } from "@/lib/hosts/service";

export const dynamic = "force-dynamic";

/** Hosts being onboarded: status, the key presented and the key pinned, the panel's public key. Never a private key. */
export const GET = apiRoute({
  permission: "agent:install",
  handler: async ({ runtime }) => ({ hosts: await runtime.onboarding.list() }),
});

/**
 * Onboarding, step 1: `{ name, address, port?, user?, agentPath?, nodePath? }`. The panel connects to the address
 * only to read the SSH key the host presents (nothing is authenticated or sent) and answers it with its fingerprint,
 * to compare on the host's console (201). An administrator with step-up only: this is the one request that makes the
 * panel connect to an address it was given (S11).
 */
export const POST = apiRoute({
  permission: "agent:install",
  stepUp: true,
  body: ZOnboardRequest,
  handler: async ({ body, runtime }) => new ApiResponse(201, { host: await runtime.onboarding.scan(body) }),
});
