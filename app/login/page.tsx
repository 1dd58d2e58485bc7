import { LoginForm } from "@/components/auth-forms";

export const dynamic = "force-dynamic";

export default function LoginPage() {
  return <LoginForm />;
}
