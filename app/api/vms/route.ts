import { z } from "zod";
import { ApiResponse, apiRoute } from "@/lib/api/route";
import { fieldErrors } from "@/lib/api/field-errors";
import { ZDefineVmRequest } from "@/lib/vms/define";
import { defineVm } from "@/lib/vms/service";

export const dynamic = "force-dynamic";

/**
 * Places a VM on a resource: `{ name, resource, vcpus?, memoryMiB, maxMemoryMiB?, imageSizeMiB? (a resource
 * with a filesystem), network: { bridge, vlan? }, failover?: { priority?, minMemoryMiB?, required? }, start?,
 * dryRun? }`. It is defined on both hosts of the resource (from the farm's template, no hypervisor autostart)
 * and started on the Primary when asked. A dry run answers 200 with the check, each host's definition and the
 * plan; otherwise 202 `{ jobId, plan }`. A refused request: 400 `{ errors: [{ field, message }] }`.
 */
export const POST = apiRoute({
  permission: "vm:define",
  body: z.unknown(),
  handler: async ({ body, runtime }) => {
    const parsed = ZDefineVmRequest.safeParse(body);
    if (!parsed.success) return new ApiResponse(400, fieldErrors(parsed.error));
    const answer = await defineVm(
      { farm: runtime.farm, runbooks: runtime.runbooks, resources: runtime.resources },
      parsed.data,
    );
    if (answer.kind === "dry-run") return { ...answer.check, plan: answer.plan };
    if (answer.kind === "refused") return new ApiResponse(400, { errors: answer.errors });
    return new ApiResponse(202, { jobId: answer.jobId, plan: answer.plan });
  },
});
