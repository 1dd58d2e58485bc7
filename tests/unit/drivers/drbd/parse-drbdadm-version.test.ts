import { describe, expect, it } from "vitest";
import { parseDrbdadmVersion } from "../../../../agents/drivers/drbd/parse-drbdadm-version";
import { ParseError } from "../../../../lib/errors/app-error";

/**
 * Captured from `drbdadm --version` of drbd-utils 9.22.0 (Debian 12 package 9.22.0-1) on a host
 * WITHOUT the DRBD kernel module: the kernel lines read 0x000000 / 0 (stderr, not shown, said
 * "sh: 1: modinfo: not found").
 */
const DRBD_UTILS_9_22_DEBIAN12_NO_MODULE = String.raw`DRBDADM_BUILDTAG=GIT-hash:\ 409097fe02187f83790b88ac3e0d94f3c167adab\ reproducible\ build\,\ 2023-01-09\ 14:51:18
DRBDADM_API_VERSION=2
DRBD_KERNEL_VERSION_CODE=0x000000
DRBD_KERNEL_VERSION=0
DRBDADM_VERSION_CODE=0x091600
DRBDADM_VERSION=9.22.0
`;

describe("parseDrbdadmVersion", () => {
  it("reads drbd-utils 9.22 without the kernel module: no kernelVersion", () => {
    expect(parseDrbdadmVersion(DRBD_UTILS_9_22_DEBIAN12_NO_MODULE)).toEqual({
      utilsVersion: "9.22.0",
      apiVersion: 2,
    });
  });

  it("reads the kernel module version when it is loaded", () => {
    const text = DRBD_UTILS_9_22_DEBIAN12_NO_MODULE.replace(
      "VERSION_CODE=0x000000",
      "VERSION_CODE=0x090208",
    ).replace("DRBD_KERNEL_VERSION=0", "DRBD_KERNEL_VERSION=9.2.8");
    expect(parseDrbdadmVersion(text)).toEqual({
      utilsVersion: "9.22.0",
      kernelVersion: "9.2.8",
      apiVersion: 2,
    });
  });

  it("derives dotted versions from the *_CODE lines when only those are printed", () => {
    expect(
      parseDrbdadmVersion(
        "DRBDADM_API_VERSION=1\nDRBD_KERNEL_VERSION_CODE=0x08040b\nDRBDADM_VERSION_CODE=0x080906\n",
      ),
    ).toEqual({
      utilsVersion: "8.9.6",
      kernelVersion: "8.4.11",
      apiVersion: 1,
    });
  });

  it("tolerates unknown keys", () => {
    expect(
      parseDrbdadmVersion(`${DRBD_UTILS_9_22_DEBIAN12_NO_MODULE}DRBD_FUTURE_KEY=some\\ value\n`).utilsVersion,
    ).toBe("9.22.0");
  });

  it("throws ParseError naming the line for anything but KEY=value", () => {
    const line = "Version: 8.3.11 (api:88)";
    const err = (() => {
      try {
        parseDrbdadmVersion(`${line}\n`);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ParseError);
    expect((err as ParseError).details).toMatchObject({ tool: "drbdadm --version", line });
    expect(() => parseDrbdadmVersion("DRBDADM_VERSION=nine\n")).toThrow(ParseError);
    expect(() => parseDrbdadmVersion("DRBDADM_VERSION_CODE=banana\n")).toThrow(ParseError);
    expect(() => parseDrbdadmVersion("DRBDADM_VERSION=9.22.0\nDRBDADM_API_VERSION=two\n")).toThrow(
      ParseError,
    );
  });

  it("throws ParseError for empty output (no utils version)", () => {
    expect(() => parseDrbdadmVersion("")).toThrow(ParseError);
    expect(() => parseDrbdadmVersion("DRBDADM_API_VERSION=2\n")).toThrow(/no DRBDADM_VERSION/);
  });
});
