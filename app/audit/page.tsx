import { AuditPage } from "@/components/audit";

export const dynamic = "force-dynamic";

export default function Page() {
  return <AuditPage />;
}
