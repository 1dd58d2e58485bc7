import { AppError } from "../errors";

/**
 * Turns an argv into one POSIX-shell command line. This is the ONLY place Tandem quotes for a shell:
 * an SSH exec request carries a string that the remote user's login shell parses, so every argument
 * is single-quoted ('...' with each ' written as '\'') and the shell sees it as one literal word.
 *
 * quoteArgv(["echo", "it's $HOME"]) === `'echo' 'it'\''s $HOME'`
 */
export function quoteArgv(argv: readonly string[]): string {
  if (argv.length === 0) {
    throw new AppError("VALIDATION_FAILED", "quoteArgv: empty argv", {
      details: { field: "argv", rule: "non-empty" },
    });
  }
  return argv.map(quoteArg).join(" ");
}

function quoteArg(arg: string, index: number): string {
  // A C string (and so every argv element on the host) ends at NUL; the shell would silently cut it.
  if (arg.includes("\0")) {
    throw new AppError("VALIDATION_FAILED", `quoteArgv: argument ${index} contains a NUL byte`, {
      details: { field: `argv[${index}]`, rule: "no NUL bytes" },
    });
  }
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}
