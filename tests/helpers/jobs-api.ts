import { expect, type APIRequestContext } from "@playwright/test";

/** Waits, through the API, for a job to end and returns its status (for steps a browser test does not drive). */
export async function jobStatus(
  request: APIRequestContext,
  jobId: string,
  timeoutMs: number,
): Promise<string> {
  let status = "queued";
  await expect(async () => {
    status = ((await (await request.get(`/api/jobs/${jobId}`)).json()) as { status: string }).status;
    expect(["succeeded", "failed", "cancelled"]).toContain(status);
  }).toPass({ timeout: timeoutMs });
  return status;
}
