import { ResourceWizard } from "@/components/resource-wizard";
import { getRuntime } from "@/lib/runtime";
import { Can, NotAllowed } from "@/components/user-menu";

export const dynamic = "force-dynamic";

export default function NewResourcePage() {
  const hosts =
    getRuntime()
      ?.farm.getView()
      .hosts.map((h) => h.name) ?? [];
  return (
    <Can permission="resource:create" fallback={<NotAllowed />}>
      <ResourceWizard hosts={[hosts[0] ?? "xen1", hosts[1] ?? "xen2"]} />
    </Can>
  );
}
