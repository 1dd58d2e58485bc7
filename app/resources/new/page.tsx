import { ResourceWizard } from "@/components/resource-wizard";
import { getRuntime } from "@/lib/runtime";

export const dynamic = "force-dynamic";

export default function NewResourcePage() {
  const hosts =
    getRuntime()
      ?.farm.getView()
      .hosts.map((h) => h.name) ?? [];
  return <ResourceWizard hosts={[hosts[0] ?? "xen1", hosts[1] ?? "xen2"]} />;
}
