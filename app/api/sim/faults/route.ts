import { apiRoute } from "@/lib/api/route";
import { injectFault } from "@/lib/sim/faults-api";
import { ZFault } from "@/agents/sim/faults";

export const dynamic = "force-dynamic";

/**
 * Injects a fault into the simulated farm: `{ action, host?, resource?, direction?, tool?, delayMs?, vm?, kiBps? }`
 * (agents/sim/faults.ts). 404 when the panel manages a real farm; 400 naming the field when the fault does not
 * make sense (an unknown host, a missing resource).
 */
export const POST = apiRoute({
  permission: "sim:fault",
  body: ZFault,
  handler: async ({ body, runtime }) => injectFault(runtime, body),
});
