import { describe, expect, it } from "vitest";
import {
  drbdadmVersionArgv,
  drbdEvents2NowArgv,
  drbdEvents2StreamArgv,
  drbdStatusJsonArgv,
} from "../../../../agents/drivers/drbd/commands";

describe("DRBD argv builders", () => {
  it("build argv arrays, never shell strings", () => {
    expect(drbdEvents2NowArgv()).toEqual(["drbdsetup", "events2", "--now", "--statistics", "all"]);
    expect(drbdEvents2StreamArgv()).toEqual(["drbdsetup", "events2", "--statistics", "all"]);
    expect(drbdStatusJsonArgv()).toEqual(["drbdsetup", "status", "--json", "all"]);
    expect(drbdadmVersionArgv()).toEqual(["drbdadm", "--version"]);
  });

  it("return a fresh array each call", () => {
    const argv = drbdEvents2NowArgv();
    argv.push("extra");
    expect(drbdEvents2NowArgv()).toHaveLength(5);
  });
});
