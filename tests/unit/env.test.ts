import { describe, expect, it } from "vitest";
import { ZEnv } from "../../lib/env";

describe("environment", () => {
  it("TANDEM_SIM_DRBD takes host=generation pairs and refuses anything else, naming the rule", () => {
    expect(ZEnv.parse({ TANDEM_SIM_DRBD: "xen2=8.4" }).TANDEM_SIM_DRBD).toBe("xen2=8.4");
    expect(ZEnv.parse({ TANDEM_SIM_DRBD: "xen1=8.4,xen2=9" }).TANDEM_SIM_DRBD).toBe("xen1=8.4,xen2=9");
    for (const bad of ["xen2=8.5", "xen3=8.4", "xen2=8.4;rm", "xen2"]) {
      const r = ZEnv.safeParse({ TANDEM_SIM_DRBD: bad });
      expect(r.success, bad).toBe(false);
      expect(r.error?.issues[0]?.message).toMatch(/must be like "xen2=8.4"/);
    }
  });
});
