import { VmPolicies } from "@/components/vm-policies";

export const dynamic = "force-dynamic";

export default function VmsPage() {
  return <VmPolicies />;
}
