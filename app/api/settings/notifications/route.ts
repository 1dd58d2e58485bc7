import { z } from "zod";
import { ApiResponse, apiRoute } from "@/lib/api/route";
import { fieldErrors } from "@/lib/api/field-errors";
import { NOTIFICATIONS_KEY } from "@/lib/monitor/notify";
import {
  DEFAULT_NOTIFICATION_SETTINGS,
  readSetting,
  redactNotifications,
  sealNotificationSecrets,
  writeSetting,
  ZNotificationSettings,
} from "@/lib/monitor/settings";

export const dynamic = "force-dynamic";

const read = (db: Parameters<typeof readSetting>[0]) =>
  readSetting(db, NOTIFICATIONS_KEY, ZNotificationSettings, DEFAULT_NOTIFICATION_SETTINGS);

/** Where incidents are sent: `{ webhook: { enabled, url, minSeverity } | null, email: {...} | null }`; no password. */
export const GET = apiRoute({
  permission: "settings:read",
  handler: async ({ runtime }) => redactNotifications(await read(runtime.db)),
});

/**
 * Replaces the settings. The SMTP password and the webhook secret are write-only and stored sealed: leaving one out
 * keeps the stored one. A refused body:
 * 400 `{ errors: [{ field, message }] }`, nothing changed.
 */
export const PUT = apiRoute({
  permission: "settings:write",
  body: z.unknown(),
  handler: async ({ body, runtime }) => {
    const parsed = ZNotificationSettings.safeParse(body);
    if (!parsed.success) return new ApiResponse(400, fieldErrors(parsed.error));
    const next = parsed.data;
    // New secrets are sealed; secrets left out are kept as stored.
    const sealed = sealNotificationSecrets(next, await read(runtime.db), runtime.secrets);
    await writeSetting(runtime.db, NOTIFICATIONS_KEY, sealed);
    return redactNotifications(sealed);
  },
});
