import { SetupForm } from "@/components/auth-forms";

export const dynamic = "force-dynamic";

export default function SetupPage() {
  return <SetupForm />;
}
