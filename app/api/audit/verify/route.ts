import { apiRoute } from "@/lib/api/route";

export const dynamic = "force-dynamic";

/** Walks the audit trail's hash chain: `{ ok, entries, seq?, reason? }` (what `npm run audit:verify` does). */
export const GET = apiRoute({
  permission: "audit:read",
  handler: async ({ runtime }) => runtime.audit.verify(),
});
