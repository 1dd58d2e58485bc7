import { describe, expect, it } from "vitest";
import { availabilityOf, historyFigures, type IncidentSpan } from "../../../lib/monitor/availability";

const H = 3_600_000;
const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);
const span = (openedH: number, closedH: number | null, patch: Partial<IncidentSpan> = {}): IncidentSpan => ({
  kind: "host-down",
  host: "xen1",
  vm: null,
  openedAt: at(openedH * H),
  closedAt: closedH === null ? null : at(closedH * H),
  ...patch,
});

describe("availability from incidents (digest §4.5)", () => {
  it("the textbook's example: 2 failures of 3 days in a year give MTBF 4308 h, MTTR 72 h, 98.36 %", () => {
    const year = { from: at(0), to: at(8760 * H) };
    const f = availabilityOf([span(1000, 1072), span(5000, 5072)], year);
    expect(f.failures).toBe(2);
    expect(f.mtbfSec! / 3600).toBe(4308);
    expect(f.mttrSec! / 3600).toBe(72);
    expect(f.availability).toBeCloseTo(4308 / (4308 + 72), 10);
    expect(Math.round(f.availability * 10_000) / 100).toBe(98.36);
  });

  it("counts only the part of a failure inside the period; one still open runs to the period's end", () => {
    const day = { from: at(0), to: at(24 * H) };
    const f = availabilityOf([span(-2, 1), span(20, null)], day);
    // 1 h (from 0 to 1) + 4 h (from 20 to 24, still open): 5 h down, 19 h up, 2 failures.
    expect(f).toMatchObject({ failures: 2, downtimeSec: 5 * 3600, uptimeSec: 19 * 3600 });
    expect(f.mtbfSec).toBe(9.5 * 3600);
    expect(f.mttrSec).toBe(2.5 * 3600);
    expect(f.availability).toBeCloseTo(19 / 24, 10);
  });

  it("overlapping failures count their union once; none at all has no MTBF or MTTR", () => {
    const day = { from: at(0), to: at(10 * H) };
    expect(availabilityOf([span(1, 3), span(2, 4)], day)).toMatchObject({
      failures: 2,
      downtimeSec: 3 * 3600,
    });
    expect(availabilityOf([span(11, 12)], day)).toEqual({
      failures: 0,
      downtimeSec: 0,
      uptimeSec: 10 * 3600,
      mtbfSec: null,
      mttrSec: null,
      availability: 1,
    });
  });

  it("a host fails by host-down or host-hung, never by a cut management network; a VM by vm-crashed", () => {
    const day = { from: at(0), to: at(10 * H) };
    const spans = [
      span(1, 2),
      span(3, 4, { kind: "host-hung" }),
      span(5, 9, { kind: "mgmt-unreachable" }),
      span(1, 2, { kind: "vm-crashed", host: "xen1", vm: "web1" }),
      span(6, 7, { kind: "drbd-disconnected", host: null }),
    ];
    const h = historyFigures(spans, { hosts: ["xen1", "xen2"], vms: ["web1", "db1"] }, day);
    expect(h.hosts.map((x) => [x.name, x.failures, x.downtimeSec])).toEqual([
      ["xen1", 2, 2 * 3600],
      ["xen2", 0, 0],
    ]);
    expect(h.vms.map((x) => [x.name, x.failures, x.downtimeSec])).toEqual([
      ["web1", 1, 3600],
      ["db1", 0, 0],
    ]);
  });
});
