import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AppError } from "../../../lib/errors";
import { quoteArgv } from "../../../lib/transport/quote";

const NASTY = [
  "hello world",
  "",
  "it's",
  `"double" and 'single'`,
  "'",
  "''",
  "\\'",
  "$(touch PWNED)",
  "`touch PWNED`",
  "${HOME}",
  "$HOME",
  "a; touch PWNED",
  "a && touch PWNED || true",
  "a | cat > PWNED",
  "line1\nline2\n",
  "\n",
  "tab\there",
  "*",
  "?",
  "[a-z]*",
  "~",
  "~root",
  "-n",
  "--help",
  "-",
  "#comment",
  "back\\slash\\",
  "!",
  "{a,b}",
  "<PWNED",
  ">PWNED",
  "héllo wörld ✓",
  "\u0001\u007f",
];

/** Runs `sh -c <line>` (argv, no shell of our own) with `printf '%s\0' args...` and splits what it printed. */
function roundTrip(args: readonly string[], cwd: string): string[] {
  const line = quoteArgv(["printf", "%s\\0", ...args]);
  const result = spawnSync("sh", ["-c", line], { cwd, encoding: "utf8" });
  expect(result.status, result.stderr).toBe(0);
  const fields = result.stdout.split("\0");
  expect(fields.pop()).toBe("");
  return fields;
}

describe("quoteArgv", () => {
  const cwd = mkdtempSync(path.join(os.tmpdir(), "tandem-quote-"));
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it("single-quotes every argument", () => {
    expect(quoteArgv(["echo", "hello world"])).toBe(`'echo' 'hello world'`);
    expect(quoteArgv(["echo", "it's"])).toBe(`'echo' 'it'\\''s'`);
    expect(quoteArgv(["true", ""])).toBe(`'true' ''`);
  });

  it("round-trips nasty arguments through a real sh -c, one at a time and all together", () => {
    for (const arg of NASTY) expect(roundTrip([arg], cwd)).toEqual([arg]);
    expect(roundTrip(NASTY, cwd)).toEqual(NASTY);
  });

  it("runs nothing that an argument spells", () => {
    roundTrip(NASTY, cwd);
    expect(existsSync(path.join(cwd, "PWNED"))).toBe(false);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it("keeps a leading-dash command name a literal word", () => {
    const result = spawnSync("sh", ["-c", quoteArgv(["-definitely-not-a-command"])], { encoding: "utf8" });
    expect(result.status).toBe(127);
  });

  it("rejects a NUL byte with VALIDATION_FAILED naming the argument", () => {
    let caught: unknown;
    try {
      quoteArgv(["echo", "a\0b"]);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).code).toBe("VALIDATION_FAILED");
    expect((caught as AppError).details.field).toBe("argv[1]");
  });

  it("rejects an empty argv", () => {
    expect(() => quoteArgv([])).toThrow(expect.objectContaining({ code: "VALIDATION_FAILED" }) as Error);
  });
});
