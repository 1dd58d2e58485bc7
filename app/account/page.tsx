import { AccountPage } from "@/components/account";

export const dynamic = "force-dynamic";

export default function Page() {
  return <AccountPage />;
}
