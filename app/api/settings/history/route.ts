import { z } from "zod";
import { ApiResponse, apiRoute } from "@/lib/api/route";
import { fieldErrors } from "@/lib/api/field-errors";
import { HISTORY_KEY } from "@/lib/monitor/monitor";
import {
  DEFAULT_HISTORY_SETTINGS,
  readSetting,
  writeSetting,
  ZHistorySettings,
} from "@/lib/monitor/settings";

export const dynamic = "force-dynamic";

/** How long the state history is kept: `{ retentionDays }` (default 30). */
export const GET = apiRoute({
  permission: "farm:read",
  handler: async ({ runtime }) =>
    readSetting(runtime.db, HISTORY_KEY, ZHistorySettings, DEFAULT_HISTORY_SETTINGS),
});

export const PUT = apiRoute({
  permission: "settings:write",
  body: z.unknown(),
  handler: async ({ body, runtime }) => {
    const parsed = ZHistorySettings.safeParse(body);
    if (!parsed.success) return new ApiResponse(400, fieldErrors(parsed.error));
    await writeSetting(runtime.db, HISTORY_KEY, parsed.data);
    return parsed.data;
  },
});
