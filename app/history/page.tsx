import { HistoryPage } from "@/components/history";

export const dynamic = "force-dynamic";

export default function History() {
  return <HistoryPage />;
}
