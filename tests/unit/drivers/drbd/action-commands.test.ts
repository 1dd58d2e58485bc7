import { describe, expect, it } from "vitest";
import {
  drbdAdjustArgv,
  drbdConnectArgv,
  drbdCreateMdArgv,
  drbdDownArgv,
  drbdDumpArgv,
  drbdInvalidateArgv,
  drbdNewCurrentUuidArgv,
  drbdPrimaryArgv,
  drbdSecondaryArgv,
  drbdUpArgv,
} from "../../../../agents/drivers/drbd/commands";
import { INJECTION_CORPUS } from "../../../helpers/injection";

describe("drbdadm action argv", () => {
  it("builds plain verbs the same way on every version", () => {
    for (const syntax of ["8.3", "8.4", "9"] as const) {
      expect(drbdUpArgv(syntax, "r1")).toEqual(["drbdadm", "up", "r1"]);
      expect(drbdDownArgv(syntax, "r1")).toEqual(["drbdadm", "down", "r1"]);
      expect(drbdAdjustArgv(syntax, "r1")).toEqual(["drbdadm", "adjust", "r1"]);
      expect(drbdSecondaryArgv(syntax, "r1")).toEqual(["drbdadm", "secondary", "r1"]);
      expect(drbdInvalidateArgv(syntax, "r1")).toEqual(["drbdadm", "invalidate", "r1"]);
      expect(drbdPrimaryArgv(syntax, "r1")).toEqual(["drbdadm", "primary", "r1"]);
      expect(drbdConnectArgv(syntax, "r1")).toEqual(["drbdadm", "connect", "r1"]);
    }
  });

  it("forces a promotion only when asked, in each version's syntax", () => {
    expect(drbdPrimaryArgv("9", "r1", { force: false })).toEqual(["drbdadm", "primary", "r1"]);
    expect(drbdPrimaryArgv("9", "r1", { force: true })).toEqual(["drbdadm", "primary", "--force", "r1"]);
    expect(drbdPrimaryArgv("8.4", "r1", { force: true })).toEqual(["drbdadm", "primary", "--force", "r1"]);
    expect(drbdPrimaryArgv("8.3", "r1", { force: true })).toEqual([
      "drbdadm",
      "--",
      "--overwrite-data-of-peer",
      "primary",
      "r1",
    ]);
  });

  it("discards this side's data on connect only when asked", () => {
    expect(drbdConnectArgv("9", "r1", { discardMyData: true })).toEqual([
      "drbdadm",
      "connect",
      "--discard-my-data",
      "r1",
    ]);
    expect(drbdConnectArgv("8.3", "r1", { discardMyData: true })).toEqual([
      "drbdadm",
      "--",
      "--discard-my-data",
      "connect",
      "r1",
    ]);
  });

  it("creates metadata and skips the initial sync", () => {
    expect(drbdCreateMdArgv("9", "r1")).toEqual(["drbdadm", "create-md", "r1"]);
    expect(drbdCreateMdArgv("9", "r1", { force: true })).toEqual(["drbdadm", "create-md", "--force", "r1"]);
    expect(drbdNewCurrentUuidArgv("9", "r1", { clearBitmap: true })).toEqual([
      "drbdadm",
      "new-current-uuid",
      "--clear-bitmap",
      "r1",
    ]);
    expect(() => drbdNewCurrentUuidArgv("8.3", "r1", { clearBitmap: true })).toThrow(/8\.4/);
    expect(drbdDumpArgv("r1", { configFile: "/tmp/x.conf" })).toEqual([
      "drbdadm",
      "-c",
      "/tmp/x.conf",
      "dump",
      "r1",
    ]);
  });

  it.each(INJECTION_CORPUS)("refuses the resource name %j", (bad) => {
    expect(() => drbdPrimaryArgv("9", bad)).toThrow(/invalid DRBD resource name/);
    expect(() => drbdDumpArgv(bad)).toThrow(/invalid DRBD resource name/);
  });
});
