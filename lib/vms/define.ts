/**
 * Placing a VM on a DRBD resource (issue 6): the request, checked against the farm and both hosts (the VM must be
 * defined on both, so that whichever host holds the resource can start it), the definition each host will get
 * (the farm's template, agents/drivers/vm/definition.ts) and the job's plan. Pure: the service gathers the facts,
 * so a dry run and the job judge the same way. Every refusal names its field and its rule.
 */
import { z } from "zod";
import { ZName } from "../../agents/protocol/validation";
import {
  macFor,
  renderLibvirtXml,
  renderXenConfig,
  ZInterfaceName,
  type TVmDefinition,
} from "../../agents/drivers/vm/definition";
import { AppError } from "../errors";
import type { TFarmView, ResourceMeta } from "../farm/view";
import { jobPlan, type Step } from "../resources/plan";
import type { FieldError } from "../resources/create";
import type { NewVmPlan, RunbookPlan } from "../runbooks/types";

const MiB = z.number().int();

export const ZDefineVmRequest = z
  .object({
    name: ZName.refine(
      (n) => !/^\d+$/.test(n),
      "must not be all digits (virsh would read it as a domain id)",
    ),
    /** The resource holding its disk: the DRBD device itself (raw), or an image file on its filesystem. */
    resource: ZName,
    vcpus: z.number().int().min(1, "must be at least 1").max(128, "must be at most 128").default(1),
    memoryMiB: MiB.min(64, "must be at least 64 MiB").max(1024 * 1024, "must be at most 1 TiB"),
    /** What the balloon may grow it to (default: its memory). */
    maxMemoryMiB: MiB.min(64, "must be at least 64 MiB")
      .max(1024 * 1024, "must be at most 1 TiB")
      .optional(),
    /** On a resource with a filesystem: the size of the new image file `<mount point>/<name>.img`. */
    imageSizeMiB: MiB.min(64, "must be at least 64 MiB")
      .max(64 * 1024 * 1024, "must be at most 64 TiB")
      .optional(),
    network: z
      .object({
        bridge: ZInterfaceName,
        vlan: z.number().int().min(1, "must be 1 to 4094").max(4094, "must be 1 to 4094").optional(),
      })
      .strict(),
    /** Degraded mode after a failover (lib/runbooks/memory-plan.ts). */
    failover: z
      .object({
        priority: z.number().int().min(0, "must be 0 to 100").max(100, "must be 0 to 100").default(50),
        /** The least it may be ballooned to (default: half its memory, at least 64 MiB). */
        minMemoryMiB: MiB.min(64, "must be at least 64 MiB").optional(),
        required: z.boolean().default(true),
      })
      .strict()
      .default({ priority: 50, required: true }),
    /** Start it on the resource's Primary once defined. */
    start: z.boolean().default(false),
    dryRun: z.boolean().default(false),
  })
  .strict();
export type TDefineVmRequest = z.infer<typeof ZDefineVmRequest>;

/** What the check needs from each host of the resource. */
export interface VmHostFacts {
  host: string;
  reachable: boolean;
  hypervisor: string | null;
  cpus: number | null;
  bridges: Array<{ name: string; kind: "bridge" | "openvswitch" }>;
  /** Names of every VM defined on the host (running or not). */
  vms: string[];
  /** Whether the resource's filesystem is mounted here (the Primary's side). */
  mounted: boolean;
}

export interface DefineVmCheck {
  errors: FieldError[];
  warnings: string[];
  /** The host where the resource is Primary (the VM is started there), and its peer. */
  primary: string | null;
  peer: string | null;
  /** The disk: /dev/drbdN, or the image file. */
  disk: string | null;
  image: { path: string; sizeMiB: number } | null;
  definition: TVmDefinition | null;
  /** Per host: its hypervisor and the file it gets (config file text, or domain XML). */
  configs: Array<{ host: string; hypervisor: string; config: string }>;
  /** The bridges both hosts have (the form offers them). */
  bridges: string[];
}

/** A half of the VM's memory, as the default policy gives a VM without its own minimum. */
export function defaultMinMiB(memoryMiB: number): number {
  return Math.max(64, Math.floor(memoryMiB / 2));
}

export function checkDefineVm(
  request: TDefineVmRequest,
  view: TFarmView,
  resources: ResourceMeta[],
  facts: VmHostFacts[],
): DefineVmCheck {
  const errors: FieldError[] = [];
  const warnings: string[] = [];
  const fail = (field: string, message: string) => errors.push({ field, message });
  const bridges = (facts[0]?.bridges ?? [])
    .filter((b) => facts.every((f) => f.bridges.some((x) => x.name === b.name)))
    .map((b) => b.name);
  const refused = (): DefineVmCheck => ({
    bridges,
    errors,
    warnings,
    primary: null,
    peer: null,
    disk: null,
    image: null,
    definition: null,
    configs: [],
  });

  const resource = view.resources.find((r) => r.name === request.resource);
  if (!resource) {
    fail("resource", `no resource ${request.resource} in the farm`);
    return refused();
  }
  const primaries = resource.sides.filter((s) => s.role === "Primary");
  if (primaries.length !== 1) {
    fail(
      "resource",
      primaries.length === 0
        ? `${resource.name} is Primary on no host: the VM is defined where it is Primary`
        : `${resource.name} is Primary on both hosts`,
    );
    return refused();
  }
  const primary = primaries[0]!.host;
  const peer = resource.sides.find((s) => s.host !== primary)?.host ?? null;
  if (peer === null) {
    fail("resource", `${resource.name} has no second host`);
    return refused();
  }
  const factsOf = (host: string) => facts.find((f) => f.host === host);
  for (const host of [primary, peer])
    if (!factsOf(host)?.reachable)
      fail("resource", `${host} does not answer: the VM is defined on both hosts of ${resource.name}`);
  if (errors.length > 0) return refused();
  const [p, q] = [factsOf(primary)!, factsOf(peer)!];

  // The name: free on the farm and on both hosts.
  const taken = view.vms.find((v) => v.name === request.name);
  if (taken) fail("name", `a VM named ${request.name} already exists (on ${taken.host})`);
  else
    for (const f of [p, q])
      if (f.vms.includes(request.name))
        fail("name", `a VM named ${request.name} is already defined on ${f.host}`);

  // The disk.
  const mountPoint = resources.find((r) => r.name === resource.name)?.mountPoint ?? null;
  let disk: string | null = null;
  let image: DefineVmCheck["image"] = null;
  if (mountPoint === null) {
    if (resource.minor === null) fail("resource", `${resource.name}'s minor is not known`);
    else disk = `/dev/drbd${resource.minor}`;
    if (request.imageSizeMiB !== undefined)
      fail(
        "imageSizeMiB",
        `${resource.name} is a raw device: the VM's disk is the whole device, not an image`,
      );
    const user = view.vms.find((v) => v.resource === resource.name);
    if (user)
      fail("resource", `${resource.name} is already the disk of ${user.name} (a raw device holds one VM)`);
    const sides = resource.sides.map((s) => s.disk);
    if (sides.some((d) => d !== "UpToDate"))
      warnings.push(
        `${resource.name} is not UpToDate on both hosts (${sides.join(", ")}): a failover can only start the VM once it is.`,
      );
  } else {
    if (request.imageSizeMiB === undefined)
      fail(
        "imageSizeMiB",
        `is required: ${resource.name} holds a filesystem, the VM's disk is an image file on it`,
      );
    else image = { path: `${mountPoint}/${request.name}.img`, sizeMiB: request.imageSizeMiB };
    if (!p.mounted) fail("resource", `${resource.name} is not mounted at ${mountPoint} on ${primary}`);
    disk = image?.path ?? null;
  }

  // Memory and CPUs.
  const maxMemoryMiB = request.maxMemoryMiB ?? request.memoryMiB;
  if (request.memoryMiB > maxMemoryMiB)
    fail("memoryMiB", `must not be more than the maximum memory (${maxMemoryMiB} MiB)`);
  const minMiB = request.failover.minMemoryMiB ?? defaultMinMiB(request.memoryMiB);
  if (minMiB > request.memoryMiB)
    fail("failover.minMemoryMiB", `must not be more than the VM's memory (${request.memoryMiB} MiB)`);
  for (const f of [p, q])
    if (f.cpus !== null && request.vcpus > f.cpus)
      fail("vcpus", `must be at most ${f.cpus}: ${f.host} has ${f.cpus} CPUs`);
  if (request.start) {
    const free = view.hosts.find((h) => h.name === primary)?.memory;
    if (free && free.freeMiB < request.memoryMiB)
      fail("start", `${primary} has ${free.freeMiB} MiB free, not the ${request.memoryMiB} MiB to start it`);
    else if (free && free.freeMiB - request.memoryMiB < free.standbyMiB)
      warnings.push(
        `Starting it leaves ${primary} ${free.freeMiB - request.memoryMiB} MiB free, under its standby reserve of ${free.standbyMiB} MiB.`,
      );
  }

  // The network: the bridge on both hosts; a VLAN tag only on Open vSwitch, and never with xm.
  for (const f of [p, q]) {
    const bridge = f.bridges.find((b) => b.name === request.network.bridge);
    if (!bridge)
      fail(
        "network.bridge",
        `${f.host} has no bridge ${request.network.bridge} (it has ${f.bridges.map((b) => b.name).join(", ") || "none"})`,
      );
    else if (request.network.vlan !== undefined && bridge.kind !== "openvswitch")
      fail(
        "network.vlan",
        `needs an Open vSwitch bridge: ${request.network.bridge} on ${f.host} is a Linux bridge`,
      );
    if (request.network.vlan !== undefined && f.hypervisor === "xen-xm")
      fail("network.vlan", `${f.host} runs xm, whose vif scripts take no VLAN tag`);
    if (f.hypervisor === null) fail("resource", `${f.host}'s hypervisor is not known yet`);
  }
  if (p.hypervisor !== q.hypervisor)
    warnings.push(
      `${primary} runs ${p.hypervisor} and ${peer} runs ${q.hypervisor}: each gets its own kind of definition.`,
    );
  if (errors.length > 0 || disk === null) return { ...refused(), primary, peer };

  const definition: TVmDefinition = {
    name: request.name,
    vcpus: request.vcpus,
    memoryMiB: request.memoryMiB,
    maxMemoryMiB,
    disk,
    network: {
      bridge: request.network.bridge,
      ...(request.network.vlan === undefined ? {} : { vlan: request.network.vlan }),
      mac: macFor(request.name, p.hypervisor === "libvirt" ? "kvm" : "xen"),
    },
  };
  return {
    bridges,
    errors,
    warnings,
    primary,
    peer,
    disk,
    image,
    definition,
    configs: [p, q].map((f) => ({
      host: f.host,
      hypervisor: f.hypervisor!,
      config: renderFor(f.hypervisor!, definition),
    })),
  };
}

function renderFor(hypervisor: string, definition: TVmDefinition): string {
  if (hypervisor === "libvirt") return renderLibvirtXml(definition);
  return renderXenConfig(definition, hypervisor === "xen-xm" ? "xm" : "xl");
}

const DEADLINE_MS = {
  "create-image": 120_000,
  "define-vm": 60_000,
  "register-vm": 30_000,
  "start-vm": 180_000,
};

/** create-image on the Primary (an image), define-vm on both hosts, register-vm, and start-vm when asked. */
export function buildDefineVmPlan(request: TDefineVmRequest, check: DefineVmCheck): RunbookPlan {
  const { primary, peer, definition } = check;
  if (check.errors.length > 0 || !primary || !peer || !definition)
    throw new AppError("INTERNAL", "buildDefineVmPlan: the request has errors");
  const vm = definition.name;
  const r: NewVmPlan = {
    definition,
    resource: request.resource,
    image: check.image,
    policy: {
      priority: request.failover.priority,
      minMemoryMiB: request.failover.minMemoryMiB ?? defaultMinMiB(request.memoryMiB),
      required: request.failover.required,
    },
    start: request.start,
  };
  const steps: Step[] = [];
  if (check.image)
    steps.push({
      key: `create-image:${vm}@${primary}`,
      name: "create-image",
      host: primary,
      resource: request.resource,
      vm,
      params: { vm, path: check.image.path, sizeMiB: check.image.sizeMiB },
      call: { method: "fs.createImage", params: { path: check.image.path, sizeMiB: check.image.sizeMiB } },
      // dd conv=excl never writes over a file: after an interruption it fails rather than guess whose it is.
      idempotent: false,
      deadlineMs: DEADLINE_MS["create-image"],
    });
  for (const host of [primary, peer])
    steps.push({
      key: `define-vm:${vm}@${host}`,
      name: "define-vm",
      host,
      resource: request.resource,
      vm,
      params: { vm },
      call: { method: "vm.define", params: { definition } },
      idempotent: true,
      deadlineMs: DEADLINE_MS["define-vm"],
    });
  steps.push({
    key: `register-vm:${vm}`,
    name: "register-vm",
    host: primary,
    resource: request.resource,
    vm,
    params: { vm, resource: request.resource },
    call: null,
    idempotent: true,
    deadlineMs: DEADLINE_MS["register-vm"],
  });
  if (request.start)
    steps.push({
      key: `start-vm:${vm}@${primary}`,
      name: "start-vm",
      host: primary,
      resource: request.resource,
      vm,
      params: { vm, memoryMiB: definition.memoryMiB },
      call: { method: "vm.start", params: { name: vm, memoryMiB: definition.memoryMiB } },
      idempotent: false,
      deadlineMs: DEADLINE_MS["start-vm"],
    });
  return jobPlan({
    kind: "define-vm",
    from: primary,
    to: peer,
    resources: [request.resource],
    vms: [vm],
    steps,
    warnings: check.warnings.map((message) => ({ code: "define-vm", message })),
    newVm: r,
  });
}
