import { VmPlacement, type PlaceableResource } from "@/components/vm-placement";
import { getRuntime } from "@/lib/runtime";
import { Can, NotAllowed } from "@/components/user-menu";

export const dynamic = "force-dynamic";

export default async function PlaceVmPage({
  searchParams,
}: {
  searchParams: Promise<{ resource?: string }>;
}) {
  const { resource } = await searchParams;
  const runtime = getRuntime();
  const resources: PlaceableResource[] = (runtime?.farm.getView().resources ?? []).map((r) => ({
    name: r.name,
    primary: r.sides.find((s) => s.role === "Primary")?.host ?? null,
    hosts: r.sides.map((s) => s.host),
    mountPoint: runtime?.resources.find((m) => m.name === r.name)?.mountPoint ?? null,
  }));
  const initial = resources.some((r) => r.name === resource) ? resource! : null;
  return (
    <Can permission="vm:define" fallback={<NotAllowed />}>
      <VmPlacement resources={resources} initial={initial} />
    </Can>
  );
}
