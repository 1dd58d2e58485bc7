import { IncidentList } from "@/components/incidents";

export const dynamic = "force-dynamic";

const FILTERS = ["host", "resource", "vm", "kind", "severity", "open", "from", "to"] as const;

export default async function IncidentsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const initial = Object.fromEntries(
    FILTERS.flatMap((k) => (typeof params[k] === "string" ? [[k, params[k]]] : [])),
  );
  return <IncidentList initial={initial} />;
}
