import { apiRoute } from "@/lib/api/route";
import { readSetting, writeSetting } from "@/lib/monitor/settings";
import { AUDIT_SETTINGS_KEY, DEFAULT_AUDIT_SETTINGS, ZAuditSettings } from "@/lib/audit/syslog";

export const dynamic = "force-dynamic";

/** `{ syslog: { host, port } | null }`: where audit entries are shipped (RFC 5424 over UDP). */
export const GET = apiRoute({
  permission: "audit:read",
  handler: async ({ runtime }) =>
    readSetting(runtime.db, AUDIT_SETTINGS_KEY, ZAuditSettings, DEFAULT_AUDIT_SETTINGS),
});

export const PUT = apiRoute({
  permission: "settings:write",
  body: ZAuditSettings,
  handler: async ({ body, runtime }) => {
    await writeSetting(runtime.db, AUDIT_SETTINGS_KEY, body);
    return body;
  },
});
