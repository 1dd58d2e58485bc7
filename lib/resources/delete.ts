/**
 * Deleting a resource pair (issue 6), with guardrails: refused while a VM uses it, while it is mounted or
 * Primary anywhere, and while one side holds the only UpToDate copy (a resync running, or a peer outdated).
 * Otherwise a job takes it down on both hosts, sets the resource files aside and forgets it; the backing
 * volumes are removed only when asked, with the resource's name typed as confirmation.
 */
import { AppError } from "../errors";
import type { FarmService } from "../farm/farm-service";
import type { ResourceMeta } from "../farm/view";
import { RUNNING_STATES } from "../runbooks/plan";
import type { RunbookPlan } from "../runbooks/types";
import { jobPlan, teardownSteps, type Step } from "./plan";

export interface DeleteResourceOptions {
  removeVolumes: boolean;
  /** The resource's name, typed: required to remove the volumes (their data is gone for good). */
  confirm?: string | undefined;
}

function refuse(rule: string, message: string): never {
  throw new AppError("CONFLICT", message, { userMessage: message, details: { rule } });
}

/** Checks the guardrails on the live farm and builds the delete job's plan. Changes nothing. */
export async function planDeleteResource(
  farm: FarmService,
  resources: ResourceMeta[],
  name: string,
  options: DeleteResourceOptions,
): Promise<RunbookPlan> {
  if (options.removeVolumes && options.confirm !== name)
    throw new AppError("VALIDATION_FAILED", `confirm: must be ${name} to remove its volumes`, {
      userMessage: `Invalid confirm: type ${name} to remove its volumes (their data is lost).`,
      details: { field: "confirm", rule: "must be the resource's name to remove its volumes" },
    });
  const view = await farm.freshView();
  const hosts = view.hosts.map((h) => h.name);
  const down = view.hosts.filter((h) => !h.reachable).map((h) => h.name);
  if (down.length > 0)
    refuse(
      "host-unreachable",
      `${down.join(", ")} does not answer: a resource is deleted on both hosts at once.`,
    );
  const configured = await Promise.all(
    hosts.map(async (h) => ({ host: h, ...(await farm.client(h).call("drbd.configured", {})) })),
  );
  const entries = configured.map((c) => ({
    host: c.host,
    resource: c.resources.find((r) => r.name === name),
  }));
  const resource = view.resources.find((r) => r.name === name);
  if (!resource && entries.every((e) => !e.resource))
    throw new AppError("NOT_FOUND", `no resource ${name}`, { userMessage: `No resource named ${name}.` });

  const users = view.vms
    .filter((v) => v.resource === name)
    .map((v) => `${v.name} (${RUNNING_STATES.has(v.state) ? "running" : "defined"} on ${v.host})`);
  if (users.length > 0)
    refuse(
      "vm-uses-resource",
      `${name} holds the disks of ${users.join(", ")}: move or remove those VMs first.`,
    );
  const mountPoint = resources.find((r) => r.name === name)?.mountPoint ?? null;
  if (mountPoint)
    for (const h of hosts)
      if ((await farm.client(h).call("fs.isMounted", { mountPoint })).mounted)
        refuse("mounted", `${name} is mounted on ${mountPoint} on ${h}: unmount it first.`);
  const sides = resource?.sides ?? [];
  const primary = sides.find((s) => s.role === "Primary");
  if (primary)
    refuse("primary", `${name} is Primary on ${primary.host}: something may use it; demote it first.`);
  const upToDate = sides.filter((s) => s.disk === "UpToDate");
  if (upToDate.length === 1 && sides.length === 2)
    refuse(
      "only-uptodate-copy",
      `${upToDate[0]!.host} holds the only UpToDate copy of ${name} (the other side is ${sides.find((s) => s !== upToDate[0])!.disk}): let the resync finish first.`,
    );

  const steps: Step[] = hosts.map((h) => teardownSteps.down(name, h));
  for (const e of entries) {
    if (!e.resource) continue;
    steps.push(teardownSteps.removeConfig(name, e.host));
    if (options.removeVolumes)
      for (const v of e.resource.hosts.find((x) => x.name === e.host)?.volumes ?? []) {
        const m = /^\/dev\/([^/]+)\/([^/]+)$/.exec(v.disk ?? "");
        if (m) steps.push(teardownSteps.removeLv(name, e.host, m[1]!, m[2]!)); // other devices are left alone
      }
  }
  steps.push({
    key: `unregister:${name}`,
    name: "unregister",
    host: hosts[0]!,
    resource: name,
    params: { resource: name },
    call: null,
    idempotent: true,
    deadlineMs: 30_000,
  });
  return jobPlan({
    kind: "delete-resource",
    from: hosts[0]!,
    to: hosts[1]!,
    resources: [name],
    vms: [],
    steps,
  });
}
