import { describe, expect, it } from "vitest";
import { checkCreateResource, type HostStorageFacts } from "../../../lib/resources/create";
import { r5Request } from "../../helpers/resources";
import { buildCreatePlan, buildUndoPlan } from "../../../lib/resources/plan";
import type { JobView, StepStatus } from "../../../lib/runbooks/types";

const GiB = 1024 ** 3;
const facts = (host: string, address: string, lvs: HostStorageFacts["lvs"] = []): HostStorageFacts => ({
  host,
  reachable: true,
  vgs: [{ name: "vg0", sizeBytes: 100 * GiB, freeBytes: 50 * GiB }],
  lvs,
  configured: [],
  addresses: [address],
  mountPoints: [],
  drbdSyntax: "9",
});
const request = (extra: Record<string, unknown> = {}) =>
  r5Request({ initialPrimary: "xen2", initialSync: "full", ...extra });
const plan = (extra: Record<string, unknown> = {}, lvs: HostStorageFacts["lvs"] = []) => {
  const r = request(extra);
  return buildCreatePlan(
    r,
    checkCreateResource(r, [facts("xen1", "10.0.0.1", lvs), facts("xen2", "10.0.0.2", lvs)], {
      hosts: ["xen1", "xen2"],
      mountPoints: [],
    }),
  );
};
/** A job of `p` whose steps ended as `statuses` says (by key; the rest pending). */
const jobOf = (
  p: ReturnType<typeof plan>,
  status: JobView["status"],
  statuses: Record<string, StepStatus>,
): JobView => ({
  id: "job1",
  kind: p.kind,
  status,
  from: p.from,
  to: p.to,
  createdAt: "",
  startedAt: null,
  finishedAt: null,
  error: null,
  plan: p,
  report: null,
  steps: p.steps.map((s) => ({
    key: s.key,
    name: s.name,
    host: s.host,
    params: s.params,
    status: statuses[s.key] ?? "pending",
    startedAt: null,
    finishedAt: null,
    note: null,
    error: null,
    commands: [],
  })),
});

describe("the create job's plan", () => {
  it("per host: volume, file, metadata (forced on a new volume), up; then on the initial Primary: sync, mkfs, mount, register", () => {
    const p = plan();
    expect(p.steps.map((s) => s.key)).toEqual([
      "create-lv:vg0/r5@xen1",
      "write-config:r5@xen1",
      "create-md:r5@xen1",
      "drbd-up:r5@xen1",
      "create-lv:vg0/r5@xen2",
      "write-config:r5@xen2",
      "create-md:r5@xen2",
      "drbd-up:r5@xen2",
      "wait-connected:r5@xen2",
      "initial-sync:r5@xen2",
      "mkfs:r5@xen2",
      "mount:r5@xen2",
      "register:r5",
    ]);
    expect(p.steps.find((s) => s.name === "create-md")?.commands).toEqual([
      ["drbdadm", "create-md", "--force", "r5"],
    ]);
    expect(p.steps.find((s) => s.name === "initial-sync")?.commands).toEqual([
      ["drbdadm", "primary", "--force", "r5"],
    ]);
    expect(p.steps.find((s) => s.name === "initial-sync")?.idempotent).toBe(false);
  });

  it("an existing volume: no create-lv, and create-md without --force (drbdmeta refuses to overwrite data)", () => {
    const lvs = [{ vg: "vg0", lv: "old", sizeBytes: GiB }];
    const p = plan(
      {
        sizeMiB: undefined,
        hosts: [
          { host: "xen1", device: "/dev/vg0/old", address: "10.0.0.1" },
          { host: "xen2", device: "/dev/vg0/old", address: "10.0.0.2" },
        ],
      },
      lvs,
    );
    expect(p.steps.map((s) => s.name)).not.toContain("create-lv");
    expect(p.steps.find((s) => s.name === "create-md")?.commands).toEqual([["drbdadm", "create-md", "r5"]]);
  });
});

describe("the undo of a failed creation", () => {
  it("undoes in reverse only what was started, and removes only the volumes this job created", () => {
    const p = plan();
    const job = jobOf(p, "failed", {
      "create-lv:vg0/r5@xen1": "succeeded",
      "write-config:r5@xen1": "succeeded",
      "create-md:r5@xen1": "succeeded",
      "drbd-up:r5@xen1": "succeeded",
      "create-lv:vg0/r5@xen2": "failed",
    });
    expect(buildUndoPlan(job).steps.map((s) => s.key)).toEqual([
      "drbd-down:r5@xen1",
      "remove-config:r5@xen1",
      "remove-lv:vg0/r5@xen1",
    ]);
  });

  it("after the mount: unmount first, then both sides down, files and volumes", () => {
    const p = plan();
    const done = Object.fromEntries(p.steps.slice(0, 12).map((s) => [s.key, "succeeded" as StepStatus]));
    const keys = buildUndoPlan(jobOf(p, "failed", { ...done, "register:r5": "failed" })).steps.map(
      (s) => s.key,
    );
    expect(keys).toEqual([
      "umount:r5@xen2",
      "drbd-down:r5@xen2",
      "drbd-down:r5@xen1",
      "remove-config:r5@xen2",
      "remove-lv:vg0/r5@xen2",
      "remove-config:r5@xen1",
      "remove-lv:vg0/r5@xen1",
    ]);
  });

  it("refuses to undo a creation that succeeded, or a job that created nothing", () => {
    const p = plan();
    expect(() => buildUndoPlan(jobOf(p, "succeeded", {}))).toThrow(
      /only a failed or cancelled creation is undone/,
    );
    expect(() => buildUndoPlan({ ...jobOf(p, "failed", {}), kind: "failover" })).toThrow(
      /did not create a resource/,
    );
  });
});
