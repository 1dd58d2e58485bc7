import { FarmDashboard } from "@/components/farm-dashboard";

export const dynamic = "force-dynamic";

export default function HomePage() {
  return <FarmDashboard />;
}
