import { z } from "zod";
import { apiRoute } from "@/lib/api/route";
import { AppError } from "@/lib/errors";

export const dynamic = "force-dynamic";

/** Sends a test message on one channel as saved: `{ channel: "webhook" | "email" }` → `{ ok, attempts, detail }`. */
export const POST = apiRoute({
  permission: "settings:write",
  body: z.object({ channel: z.enum(["webhook", "email"]) }).strict(),
  handler: async ({ body, runtime }) => {
    if (!runtime.notifier) throw new AppError("CONFLICT", "notifications are not running in this panel");
    return runtime.notifier.test(body.channel);
  },
});
