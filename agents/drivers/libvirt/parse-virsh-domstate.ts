import { ParseError } from "../../../lib/errors/app-error";
import type { TVmState } from "../../protocol/schemas";
import { dropCommandEcho, virshStateToVmState } from "./parse-virsh-list";

/*
 * `virsh domstate <domain>` prints the state name; with --reason, "%s (%s)"
 * (tools/virsh-domain-monitor.c cmdDomstate, virshDomainStateReasonToString):
 *
 *   running
 *   running (booted)
 *   shut off (crashed)
 *   paused (I/O error)
 *
 * State names are those of `virsh list` ("shut off", "in shutdown", ...). The reason is kept verbatim
 * ("booted", "migrated", "from snapshot", "post-copy failed", "unknown", ...): its vocabulary depends on
 * the state and grows with libvirt releases. Exactly one line is expected.
 */

const TOOL = "virsh domstate";

export interface VirshDomstate {
  state: TVmState;
  /** The `--reason` text inside the parentheses, when present. */
  reason?: string;
}

export function parseVirshDomstate(text: string): VirshDomstate {
  const lines = dropCommandEcho(text).filter((l) => l.trim() !== "");
  const line = lines[0];
  if (line === undefined) throw new ParseError(TOOL, "empty output");
  if (lines.length > 1) throw new ParseError(TOOL, "expected one line (several outputs?)", lines[1]);
  const m = /^(.*?)(?: \((.+)\))?$/.exec(line.trim());
  const stateText = m?.[1] ?? "";
  const state = virshStateToVmState(stateText, TOOL, line);
  const reason = m?.[2];
  return reason === undefined ? { state } : { state, reason };
}
