import { describe, expect, it } from "vitest";
import { classifyDrbdError } from "../../../../agents/drivers/drbd/parse-drbd-error";
import { listSamples, loadSample } from "../../helpers/fixtures";

const FILE = "drbdadm_errors.txt";

/** Drops the first line: the samples whose NOTE says "First line is the command" start with it. */
function withoutCommandLine(text: string): string {
  return text.slice(text.indexOf("\n") + 1);
}

/** The usage-survey banner drbdadm prints on stderr (Clusters from Scratch capture, blank lines trimmed). */
const SURVEY_BANNER = [
  "",
  "  --==  Thank you for participating in the global usage survey  ==--",
  "The server's response is:",
  "",
  "you are the 17550th user to install this version",
].join("\n");

describe("drbdadm error fixtures", () => {
  it("covers every sample of the fixture file", () => {
    expect(listSamples(FILE)).toEqual([
      "ganeti-held-open",
      "ug84-create-md",
      "cfs-create-md-9",
      "drbdmeta-unclean-apply-al",
      "ocf-drbd-agent-exit20",
      "weak-need-uptodate-83",
      "weak-need-uptodate-84",
    ]);
  });

  it("ganeti-held-open: relayed inside a Ganeti warning, with Ganeti's literal \\n → DRBD_HELD_OPEN", () => {
    expect(classifyDrbdError(loadSample(FILE, "ganeti-held-open"), null)).toEqual({
      code: "DRBD_HELD_OPEN",
      message: "State change failed: (-12) Device is held open by someone",
    });
  });

  it("ug84-create-md: output without any DRBD error → COMMAND_FAILED with its first line", () => {
    expect(classifyDrbdError(withoutCommandLine(loadSample(FILE, "ug84-create-md")), 1)).toEqual({
      code: "COMMAND_FAILED",
      message: "v08 Magic number not found",
    });
  });

  it("cfs-create-md-9: the captured prompt line is skipped", () => {
    expect(classifyDrbdError(loadSample(FILE, "cfs-create-md-9"), 1)).toEqual({
      code: "COMMAND_FAILED",
      message: "initializing activity log",
    });
  });

  it("drbdmeta-unclean-apply-al: drbdmeta refusals → COMMAND_FAILED; a source file:line ASSERT is not a config error", () => {
    const [dumpMd, applyAl] = loadSample(FILE, "drbdmeta-unclean-apply-al").split("\n\n");
    expect(classifyDrbdError(withoutCommandLine(dumpMd!), null)).toEqual({
      code: "COMMAND_FAILED",
      message: 'Found meta data is "unclean", please apply-al first',
    });
    expect(applyAl).toContain("../shared/drbdmeta.c:2028:apply_al: ASSERT");
    expect(classifyDrbdError(withoutCommandLine(applyAl!), 10)).toEqual({
      code: "COMMAND_FAILED",
      message: "extent 4746752 beyond end of bitmap!",
    });
  });

  it("ocf-drbd-agent-exit20: resource-agent log of a failed drbdadm → COMMAND_FAILED", () => {
    expect(classifyDrbdError(loadSample(FILE, "ocf-drbd-agent-exit20"), 20)).toEqual({
      code: "COMMAND_FAILED",
      message:
        "drbd(drbd_passive)[4860]: ERROR: drbd_passive: Called drbdadm -c /etc/drbd.conf check-resize drbd_passive",
    });
  });

  it("weak-need-uptodate-83: minor prefix dropped, exit code 17 → DRBD_NEED_UPTODATE", () => {
    expect(classifyDrbdError(loadSample(FILE, "weak-need-uptodate-83"), 17)).toEqual({
      code: "DRBD_NEED_UPTODATE",
      message: "State change failed: (-2) Need access to UpToDate data",
    });
  });

  it("weak-need-uptodate-84: → DRBD_NEED_UPTODATE", () => {
    expect(classifyDrbdError(loadSample(FILE, "weak-need-uptodate-84"), 11)).toEqual({
      code: "DRBD_NEED_UPTODATE",
      message: "State change failed: (-2) Need access to UpToDate data",
    });
  });
});

describe("drbdadm / drbdsetup errors not in the fixture folder", () => {
  it("LINBIT/drbd#74 (utils 9.11, 8.4 kernel): held open, exit code 11 → DRBD_HELD_OPEN", () => {
    const stderr =
      "1: State change failed: (-12) Device is held open by someone\n" +
      "Command 'drbdsetup-84 secondary 1' terminated with exit code 11\n";
    expect(classifyDrbdError(stderr, 11)).toEqual({
      code: "DRBD_HELD_OPEN",
      message: "State change failed: (-12) Device is held open by someone",
    });
  });

  it("SCST-project/scst#256 (DRBD 9.2): held open with the kernel's opener list → DRBD_HELD_OPEN", () => {
    const stderr = [
      "f850f: State change failed: (-12) Device is held open by someone",
      "additional info from kernel:",
      "/dev/drbd1 opened by scst_uid (pid 3404) at 2024-09-17 19:37:54.087",
      "",
    ].join("\n");
    expect(classifyDrbdError(stderr, 11)).toEqual({
      code: "DRBD_HELD_OPEN",
      message: "State change failed: (-12) Device is held open by someone",
    });
  });

  it("quantum/esos#129: version-mismatch warning + `Failure: (127)` with exit code 10 → COMMAND_FAILED", () => {
    const stderr = [
      "DRBD module version: 8.4.3",
      "   userland version: 8.4.4",
      "preferably kernel and userland versions should match.",
      "0: Failure: (127) Device minor not allocated",
      "additional info from kernel:",
      "unknown minor",
      "Command 'drbdsetup secondary 0' terminated with exit code 10",
      "",
    ].join("\n");
    expect(classifyDrbdError(stderr, 10)).toEqual({
      code: "COMMAND_FAILED",
      message: "Failure: (127) Device minor not allocated",
    });
  });

  it("'r0' not defined in your config → NOT_FOUND (drbdadm exits 1 with E_USAGE)", () => {
    expect(classifyDrbdError(" 'r0' not defined in your config (for this host).\n", 1)).toEqual({
      code: "NOT_FOUND",
      message: "'r0' not defined in your config (for this host).",
    });
  });

  it("a drbdadm parse error (drbdadm_parser.c pe_expected format, exit code 10) → DRBD_CONFIG_INVALID", () => {
    const stderr =
      "/etc/drbd.d/r0.res:5: Parse error: 'disk | device | address | meta-disk | flexible-meta-disk' expected,\n" +
      "\tbut got 'adress'\n";
    const expected = {
      code: "DRBD_CONFIG_INVALID",
      message:
        "/etc/drbd.d/r0.res:5: Parse error: 'disk | device | address | meta-disk | flexible-meta-disk' expected,",
    };
    expect(classifyDrbdError(stderr, 10)).toEqual(expected);
    expect(classifyDrbdError(`${SURVEY_BANNER}\n${stderr}`, null)).toEqual(expected);
    expect(
      classifyDrbdError("/etc/drbd.d/r0.res:12: no index allowed with 'meta-disk = internal'.\n", 10),
    ).toEqual({
      code: "DRBD_CONFIG_INVALID",
      message: "/etc/drbd.d/r0.res:12: no index allowed with 'meta-disk = internal'.",
    });
  });

  it("(-1) Multiple primaries not allowed by config, exit code 11 → DRBD_MULTIPLE_PRIMARIES", () => {
    const stderr =
      "r0: State change failed: (-1) Multiple primaries not allowed by config\n" +
      "Command 'drbdsetup primary r0' terminated with exit code 11\n";
    expect(classifyDrbdError(stderr, 11)).toEqual({
      code: "DRBD_MULTIPLE_PRIMARIES",
      message: "State change failed: (-1) Multiple primaries not allowed by config",
    });
  });

  it("the usage-survey banner is never the message", () => {
    expect(
      classifyDrbdError(`${SURVEY_BANNER}\n0: State change failed: (-2) Need access to UpToDate data\n`, 17),
    ).toEqual({
      code: "DRBD_NEED_UPTODATE",
      message: "State change failed: (-2) Need access to UpToDate data",
    });
    expect(classifyDrbdError(SURVEY_BANNER, 20)).toEqual({
      code: "COMMAND_FAILED",
      message: "exit code 20, no error output",
    });
  });

  it("any other refused state change → DRBD_STATE_CHANGE_FAILED; kernel-log wording without (N) by its text", () => {
    expect(
      classifyDrbdError(
        "r0: State change failed: (-7) Refusing to be Primary while peer is not outdated\n",
        11,
      ),
    ).toEqual({
      code: "DRBD_STATE_CHANGE_FAILED",
      message: "State change failed: (-7) Refusing to be Primary while peer is not outdated",
    });
    expect(classifyDrbdError("pvc-1: State change failed: Device is held open by someone\n", 11)).toEqual({
      code: "DRBD_HELD_OPEN",
      message: "State change failed: Device is held open by someone",
    });
  });

  it("a missing tool → TOOL_MISSING", () => {
    expect(classifyDrbdError("bash: drbdadm: command not found\n", 127)).toEqual({
      code: "TOOL_MISSING",
      message: "bash: drbdadm: command not found",
    });
    expect(classifyDrbdError("sh: 1: drbdsetup: not found\n", 127)).toEqual({
      code: "TOOL_MISSING",
      message: "sh: 1: drbdsetup: not found",
    });
    expect(classifyDrbdError("", 127)).toEqual({ code: "TOOL_MISSING", message: "exit code 127" });
  });

  it("nothing on stderr → COMMAND_FAILED naming the exit code", () => {
    expect(classifyDrbdError("", 20)).toEqual({
      code: "COMMAND_FAILED",
      message: "exit code 20, no error output",
    });
    expect(classifyDrbdError("\n", null)).toEqual({ code: "COMMAND_FAILED", message: "no error output" });
  });

  it("only drbdadm's `Command ... terminated` line → that line", () => {
    expect(
      classifyDrbdError(
        "Command 'drbdmeta 0 v09 /dev/sdb1 internal apply-al' terminated with exit code 20\n",
        20,
      ),
    ).toEqual({
      code: "COMMAND_FAILED",
      message: "Command 'drbdmeta 0 v09 /dev/sdb1 internal apply-al' terminated with exit code 20",
    });
  });
});
