import { JobList } from "@/components/job-view";

export const dynamic = "force-dynamic";

export default function JobsPage() {
  return <JobList />;
}
