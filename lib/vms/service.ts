/**
 * POST /api/vms and DELETE /api/vms/:name (issue 6): gathers what both hosts of the resource report, checks the
 * request (lib/vms/define.ts) and starts the job; a dry run answers the check, each host's definition and the
 * plan without changing anything.
 */
import { AppError, toAppError } from "../errors";
import type { FarmService } from "../farm/farm-service";
import type { ResourceMeta } from "../farm/view";
import { jobPlan, type Step } from "../resources/plan";
import type { FieldError } from "../resources/create";
import { RUNNING_STATES } from "../runbooks/plan";
import type { RunbookEngine } from "../runbooks/engine";
import type { RunbookPlan } from "../runbooks/types";
import {
  buildDefineVmPlan,
  checkDefineVm,
  type DefineVmCheck,
  type TDefineVmRequest,
  type VmHostFacts,
} from "./define";

export interface VmDeps {
  farm: FarmService;
  runbooks: RunbookEngine;
  resources: ResourceMeta[];
}

/** What the check needs from one host; `reachable: false` when it does not answer. */
export async function vmHostFacts(
  farm: FarmService,
  host: string,
  mountPoint: string | null,
): Promise<VmHostFacts> {
  const client = farm.client(host);
  const view = farm.getView().hosts.find((h) => h.name === host);
  const empty: VmHostFacts = {
    host,
    reachable: false,
    hypervisor: view?.hypervisor ?? null,
    cpus: null,
    bridges: [],
    vms: [],
    mounted: false,
  };
  if (client.state !== "ready") return empty;
  try {
    const [facts, bridges, vms, mounted] = await Promise.all([
      client.call("host.facts", {}),
      client.call("host.bridges", {}),
      client.call("vm.list", {}),
      mountPoint ? client.call("fs.isMounted", { mountPoint }) : Promise.resolve({ mounted: false }),
    ]);
    return {
      host,
      reachable: true,
      hypervisor: facts.hypervisor,
      cpus: facts.cpus,
      bridges: bridges.bridges.map((b) => ({ name: b.name, kind: b.kind })),
      vms: vms.vms.map((v) => v.name),
      mounted: mounted.mounted,
    };
  } catch (err) {
    const e = toAppError(err);
    if (e.code === "HOST_UNREACHABLE" || e.code === "COMMAND_TIMEOUT") return empty;
    throw e;
  }
}

export type DefineVmAnswer =
  | { kind: "dry-run"; check: DefineVmCheck; plan: RunbookPlan | null }
  | { kind: "refused"; errors: FieldError[] }
  | { kind: "started"; jobId: string; plan: RunbookPlan };

export async function defineVm(deps: VmDeps, request: TDefineVmRequest): Promise<DefineVmAnswer> {
  const view = await deps.farm.freshView();
  const resource = view.resources.find((r) => r.name === request.resource);
  const mountPoint = deps.resources.find((r) => r.name === request.resource)?.mountPoint ?? null;
  const facts = await Promise.all(
    (resource?.sides ?? []).map((s) =>
      vmHostFacts(deps.farm, s.host, s.role === "Primary" ? mountPoint : null),
    ),
  );
  const check = checkDefineVm(request, view, deps.resources, facts);
  const plan = check.errors.length === 0 ? buildDefineVmPlan(request, check) : null;
  if (request.dryRun) return { kind: "dry-run", check, plan };
  if (!plan) return { kind: "refused", errors: check.errors };
  return { kind: "started", jobId: await deps.runbooks.start(plan), plan };
}

function refuse(rule: string, message: string): never {
  throw new AppError("CONFLICT", message, { userMessage: message, details: { rule } });
}

/**
 * Removes a VM's definition from both hosts and forgets it; its disk (the DRBD device, or its image file) is
 * kept. Refused while it runs, and while a host does not answer (it would keep a definition the panel forgot).
 */
export async function planDeleteVm(farm: FarmService, name: string): Promise<RunbookPlan> {
  const view = await farm.freshView();
  const vm = view.vms.find((v) => v.name === name);
  if (!vm) throw new AppError("NOT_FOUND", `no VM ${name}`, { userMessage: `No VM named ${name}.` });
  if (RUNNING_STATES.has(vm.state)) refuse("vm-running", `${name} runs on ${vm.host}: shut it down first.`);
  const down = view.hosts.filter((h) => !h.reachable).map((h) => h.name);
  if (down.length > 0)
    refuse(
      "host-unreachable",
      `${down.join(", ")} does not answer: a VM's definition is removed from both hosts at once.`,
    );
  const hosts = view.hosts.map((h) => h.name);
  const defined = await Promise.all(
    hosts.map(async (h) =>
      (await farm.client(h).call("vm.list", {})).vms.some((v) => v.name === name) ? h : null,
    ),
  );
  const steps: Step[] = defined
    .filter((h): h is string => h !== null)
    .map((host) => ({
      key: `undefine-vm:${name}@${host}`,
      name: "undefine-vm",
      host,
      vm: name,
      params: { vm: name },
      call: { method: "vm.undefine", params: { name } },
      idempotent: true,
      deadlineMs: 60_000,
    }));
  steps.push({
    key: `unregister-vm:${name}`,
    name: "unregister-vm",
    host: vm.host,
    vm: name,
    params: { vm: name },
    call: null,
    idempotent: true,
    deadlineMs: 30_000,
  });
  return jobPlan({
    kind: "delete-vm",
    from: hosts[0]!,
    to: hosts[1] ?? hosts[0]!,
    resources: vm.resource ? [vm.resource] : [],
    vms: [name],
    steps,
  });
}
