import { describe, expect, it } from "vitest";
import { interpret } from "../../../lib/runbooks/fence";
import { parseFenceArgs } from "../../../agents/sim/tools/fence";
import { ToolExit } from "../../../agents/sim/tools/context";

const ran = (exitCode: number | null, timedOut = false) => ({
  argv: ["fence_x"],
  exitCode,
  timedOut,
  durationMs: 1,
  output: "",
});

describe("fence-agents' exit codes", () => {
  it.each([
    ["off", ran(0), "off"],
    ["off", ran(1), "unknown"],
    ["off", ran(null, true), "unknown"],
    ["status", ran(0), "on"],
    ["status", ran(2), "off"],
    ["status", ran(1), "unknown"],
    ["status", ran(3), "unknown"], // EC_LOGIN_DENIED
    ["status", ran(2, true), "unknown"], // killed at the timeout: whatever it exited with says nothing
  ] as const)("%s exiting %o → %s", (action, record, status) => {
    expect(interpret(action, record)).toBe(status);
  });
});

describe("the stand-in fence_ipmilan's options", () => {
  it("reads long options with = and short ones with the next word; the default action is reboot", () => {
    expect(parseFenceArgs(["--lanplus", "--ip=xen1-bmc", "-l", "admin", "-S", "/etc/pw"])).toEqual({
      action: "reboot",
      ip: "xen1-bmc",
      username: "admin",
      "password-script": "/etc/pw",
    });
    expect(parseFenceArgs(["-a", "xen2-bmc", "-o", "status"])).toMatchObject({
      ip: "xen2-bmc",
      action: "status",
    });
  });

  it("refuses an unknown option, or one without its value, as fence-agents do (exit 1)", () => {
    const exitOf = (args: string[]) => {
      try {
        parseFenceArgs(args);
      } catch (err) {
        return [(err as ToolExit).exitCode, (err as ToolExit).stderr];
      }
      return null;
    };
    expect(exitOf(["--bogus=1"])).toEqual([1, "Failed: Unrecognised option '--bogus=1'\n"]);
    expect(exitOf(["--ip"])).toEqual([1, "Failed: option '--ip' requires a value\n"]);
  });
});
