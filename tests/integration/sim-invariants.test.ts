/** The invariant checker that watches every simulated test must fail the test when the farm breaks a rule. */
import { describe, expect, it } from "vitest";
import { applyFault } from "../../agents/sim/faults";
import { createTempSimFarm, waitFor } from "../helpers/sim";

describe("every simulated farm runs under the invariant checker", () => {
  it("two Primaries made through the real tools fail the test at remove()", async () => {
    const farm = createTempSimFarm();
    farm.store.update((w) => applyFault(w, { action: "cut-link", resource: "r1" }));
    farm.onHost("xen2", "drbdadm", "primary", "r1"); // DRBD allows it while disconnected
    await waitFor(() => farm.violations().length > 0, 2_000, "the checker to notice");
    expect(() => farm.remove()).toThrow(/two-primaries: r1 is Primary on xen1 and xen2/);
  });

  it("unless the test declares it causes that on purpose", () => {
    const farm = createTempSimFarm();
    farm.store.update((w) => applyFault(w, { action: "cut-link", resource: "r1" }));
    farm.onHost("xen2", "drbdadm", "primary", "r1");
    farm.allowViolations("two-primaries");
    expect(farm.violations().map((v) => v.kind)).toEqual(["two-primaries"]);
    expect(() => farm.remove()).not.toThrow();
  });
});
