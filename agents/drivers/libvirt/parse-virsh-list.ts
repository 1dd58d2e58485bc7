import { ParseError } from "../../../lib/errors/app-error";
import type { TDomainList } from "../../parsers/shapes";
import type { TVmState } from "../../protocol/schemas";

/*
 * `virsh list [--all] [--title]` prints a table whose layout changed in libvirt 4.x (tools/vsh-table.c).
 *
 * New compact table: every cell is " %s" padded to its column's widest cell + 2, the last column is not
 * padded, and the dashes are (width + 3) per column:
 *
 *    Id   Name   State
 *   ----------------------
 *    1    vm1    running
 *    -    web 2  shut off
 *
 * Old wide table (libvirt < 4.x, tools/virsh-domain-monitor.c cmdList): " %-5s %-30s %s" rows, 52 dashes
 * (`--title`: " %-5s %-30s %-10s %-20s" and 82 dashes):
 *
 *    Id    Name                           State
 *   ----------------------------------------------------
 *    0     Domain-0                       running
 *    2     fedora                         paused
 *
 * Names may contain spaces, so cells are located by the header's column offsets; when a row does not
 * line up with the header (an old-format name longer than 30 characters, an id longer than 5 digits,
 * double-width characters in the compact table), the state is the first known virsh state word after
 * the name. Extra columns (Title, UUID) are ignored. The id is "-" for an inactive domain.
 * `virsh -q list` prints no header and is refused: the header is how we know the table's shape.
 * virsh translates its output: run it with LC_ALL=C.
 */

const TOOL = "virsh list";

/**
 * The state names virsh prints (tools/virsh-domain-monitor.c, virshDomainState enum: "no state",
 * "running", "idle", "paused", "in shutdown", "shut off", "crashed", "pmsuspended"), plus the spellings
 * of older virsh releases ("blocked", "shutdown", "dying") and "saved", which `list --managed-save`
 * prints for a shut-off domain that has a managed-save image.
 * "no state" (VIR_DOMAIN_NOSTATE) has no Tandem equivalent and is refused like any unknown value.
 */
export const VIRSH_STATES: ReadonlyMap<string, TVmState> = new Map<string, TVmState>([
  ["running", "running"],
  ["idle", "blocked"],
  ["blocked", "blocked"],
  ["paused", "paused"],
  ["in shutdown", "shutdown"],
  ["shutdown", "shutdown"],
  ["shut off", "shutoff"],
  ["saved", "shutoff"],
  ["crashed", "crashed"],
  ["dying", "dying"],
  ["pmsuspended", "pmsuspended"],
]);

/** Maps a virsh state name to the normalised state; anything else is a ParseError naming `line`. */
export function virshStateToVmState(text: string, tool: string, line: string): TVmState {
  const state = VIRSH_STATES.get(text);
  if (state === undefined) throw new ParseError(tool, `unknown domain state ${JSON.stringify(text)}`, line);
  return state;
}

/**
 * A pasted transcript may start with the command that produced it ("$ virsh list --all",
 * "user@host:~$ sudo virsh dominfo vm1", "``virsh`` list" in the man page). virsh itself never prints
 * such a line, so one leading command line (and the blank lines around it) is dropped.
 */
const COMMAND_ECHO = /^\s*(?:\S*[$#]\s*)?(?:sudo\s+)?`{0,2}virsh`{0,2}(?:\s|$)/;

/** The lines of `text` without a leading command line and without leading blank lines. */
export function dropCommandEcho(text: string): string[] {
  const lines = text.split(/\r?\n/);
  const skipBlank = () => {
    while (lines.length > 0 && lines[0]!.trim() === "") lines.shift();
  };
  skipBlank();
  if (lines.length > 0 && COMMAND_ECHO.test(lines[0]!)) {
    lines.shift();
    skipBlank();
  }
  return lines;
}

const HEADER = /^\s*Id\s+Name\s+State(?:\s|$)/;
const DASHES = /^\s*-+\s*$/;

/** Every state word virsh can print, longest first so that "in shutdown" wins over "shutdown". */
const STATE_WORDS = [...VIRSH_STATES.keys(), "no state"]
  .sort((a, b) => b.length - a.length)
  .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
  .join("|");
/** A state word at the start of the text. */
const STATE_HERE = new RegExp(`^(?:${STATE_WORDS})(?=\\s|$)`);
/** The first state word that follows a non-empty name. */
const STATE_AFTER_NAME = new RegExp(`(?<=\\S\\s+)(?:${STATE_WORDS})(?=\\s|$)`);

export function parseVirshList(text: string): TDomainList {
  const lines = dropCommandEcho(text);
  const header = lines.shift();
  if (header === undefined || header.trim() === "") {
    throw new ParseError(TOOL, "empty output, expected the 'Id Name State' header");
  }
  if (!HEADER.test(header)) throw new ParseError(TOOL, "missing 'Id Name State' header line", header);
  const dashes = lines.shift();
  if (dashes === undefined || !DASHES.test(dashes)) {
    throw new ParseError(TOOL, "expected a line of dashes under the header", dashes ?? "");
  }
  const stateCol = header.search(/\bState\b/);
  return {
    domains: lines.filter((l) => l.trim() !== "").map((line) => parseRow(line, stateCol)),
  };
}

function parseRow(line: string, stateCol: number): TDomainList["domains"][number] {
  const idMatch = /^\s*(\S+)/.exec(line);
  const idText = idMatch?.[1];
  if (idMatch === null || idText === undefined || !/^(?:\d+|-)$/.test(idText)) {
    throw new ParseError(TOOL, "can't parse domain line: the Id is not a number or '-'", line);
  }
  const nameStart = idMatch[0].length;

  let stateStart: number;
  let stateText: string;
  const aligned =
    stateCol > nameStart &&
    /\s/.test(line.charAt(stateCol - 1)) &&
    /\S/.test(line.charAt(stateCol)) &&
    line.slice(nameStart, stateCol).trim() !== "";
  if (aligned) {
    const here = STATE_HERE.exec(line.slice(stateCol));
    if (here === null) {
      const cell =
        line
          .slice(stateCol)
          .trim()
          .split(/\s{2,}/)[0] ?? "";
      throw new ParseError(TOOL, `unknown domain state ${JSON.stringify(cell)}`, line);
    }
    stateStart = stateCol;
    stateText = here[0];
  } else {
    const found = STATE_AFTER_NAME.exec(line.slice(nameStart));
    if (found === null) throw new ParseError(TOOL, "can't find a known domain state in line", line);
    stateStart = nameStart + found.index;
    stateText = found[0];
  }

  const name = line.slice(nameStart, stateStart).trim();
  if (name === "") throw new ParseError(TOOL, "can't parse domain line: no name", line);
  return {
    name,
    id: idText === "-" ? null : Number(idText),
    state: virshStateToVmState(stateText, TOOL, line),
  };
}
