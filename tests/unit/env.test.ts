import { describe, expect, it } from "vitest";
import { perSimHost, ZEnv } from "../../lib/env";

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

  it("TANDEM_SIM_HYPERVISOR takes host=toolstack pairs (xl, xm, libvirt) and refuses anything else", () => {
    const text = ZEnv.parse({ TANDEM_SIM_HYPERVISOR: "xen1=libvirt,xen2=xm" }).TANDEM_SIM_HYPERVISOR;
    expect(perSimHost(text, (v) => v.toUpperCase())).toEqual({ xen1: "LIBVIRT", xen2: "XM" });
    for (const bad of ["xen2=kvm", "xen1=xl,", "xen2=xl xm", "libvirt"]) {
      const r = ZEnv.safeParse({ TANDEM_SIM_HYPERVISOR: bad });
      expect(r.success, bad).toBe(false);
      expect(r.error?.issues[0]?.message).toMatch(/must be like "xen2=xm"/);
    }
  });
});
