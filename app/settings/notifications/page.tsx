import { NotificationSettings } from "@/components/notification-settings";

export const dynamic = "force-dynamic";

export default function NotificationsPage() {
  return <NotificationSettings />;
}
