import { describe, expect, it } from "vitest";
import { commandError, execArgv, runChecked } from "../../agents/exec";
import { AppError } from "../../lib/errors";

describe("execArgv", () => {
  it("runs argv without a shell, in the C locale, with stdin closed", async () => {
    const r = await execArgv([
      "sh",
      "-c",
      'echo "$LC_ALL $LANG"; read x || echo "stdin closed"',
      "$(reboot)",
    ]);
    expect(r).toMatchObject({ exitCode: 0, timedOut: false, stdout: "C C\nstdin closed\n" });
    const literal = await execArgv(["printf", "%s", "$(reboot);`x`|y"]);
    expect(literal.stdout).toBe("$(reboot);`x`|y");
  });

  it("kills a command at its deadline and reports COMMAND_TIMEOUT with the evidence", async () => {
    const r = await execArgv(["sleep", "5"], { timeoutMs: 100 });
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe("SIGKILL");
    expect(r.durationMs).toBeLessThan(2_000);
    const err = commandError(r);
    expect(err.code).toBe("COMMAND_TIMEOUT");
    expect(err.details.argv).toEqual(["sleep", "5"]);
  });

  it("bounds the output it keeps and kills a command that prints too much", async () => {
    const r = await execArgv(["sh", "-c", "yes tandem"], { maxOutputBytes: 64 * 1024, timeoutMs: 5_000 });
    expect(r.timedOut).toBe(false);
    expect(r.signal).toBe("SIGKILL");
    expect(r.stdout.length).toBeLessThanOrEqual(64 * 1024);
    expect(r.stderr).toContain("killed");
  });

  it("reports a missing tool as TOOL_MISSING and a failure with exit code and stderr", async () => {
    await expect(execArgv(["/nonexistent/drbdadm", "status"])).rejects.toMatchObject({
      code: "TOOL_MISSING",
    });
    const err = await runChecked([
      "sh",
      "-c",
      "echo 'State change failed: (-2) Need access to UpToDate data' >&2; exit 17",
    ]).catch((e: unknown) => e as AppError);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({
      code: "COMMAND_FAILED",
      details: { exitCode: 17, stderr: expect.stringContaining("(-2)") },
    });
  });
});

describe("runDrbd", () => {
  it("maps DRBD's refusal to its code and keeps the evidence", async () => {
    const { runDrbd } = await import("../../agents/drivers/drbd/run");
    const argv = [
      "sh",
      "-c",
      "echo '1: State change failed: (-2) Need access to UpToDate data' >&2; exit 17",
    ];
    const err = await runDrbd(argv).catch((e: unknown) => e as AppError);
    expect(err).toMatchObject({
      code: "DRBD_NEED_UPTODATE",
      message: expect.stringContaining("(-2) Need access to UpToDate data"),
      details: { argv, exitCode: 17 },
    });
  });
});
