import { HostsOnboarding } from "@/components/hosts-onboarding";

export const dynamic = "force-dynamic";

export default function Page() {
  return <HostsOnboarding />;
}
