import { apiRoute } from "@/lib/api/route";
import { simStoreOf } from "@/lib/sim/faults-api";

export const dynamic = "force-dynamic";

/** The raw simulated world (for tests and the curious); 404 when the panel manages a real farm. */
export const GET = apiRoute({
  permission: "sim:fault",
  handler: async ({ runtime }) => simStoreOf(runtime).read(),
});
