import fs from "node:fs";
import path from "node:path";

/*
 * Reads the shared, genuine tool-output samples in <project root>/../shared/fixtures (never copied into
 * the project). A fixture file holds samples as
 *
 *   ### SAMPLE <id>
 *   ### SOURCE: ...      (header lines: SOURCE / NOTE)
 *   <verbatim text>
 *   ### END SAMPLE <id>
 */

const PROJECT_ROOT = path.resolve(import.meta.dirname, "../../..");
export const FIXTURES_DIR = path.resolve(PROJECT_ROOT, "../shared/fixtures");

interface Sample {
  id: string;
  text: string;
}

const cache = new Map<string, Sample[]>();

function readSamples(file: string): Sample[] {
  const cached = cache.get(file);
  if (cached) return cached;
  const samples: Sample[] = [];
  let current: { id: string; lines: string[]; inHeader: boolean } | undefined;
  for (const line of fs.readFileSync(path.join(FIXTURES_DIR, file), "utf8").split("\n")) {
    const start = /^### SAMPLE (\S+)\s*$/.exec(line);
    const end = /^### END SAMPLE (\S+)\s*$/.exec(line);
    if (start) {
      if (current) throw new Error(`${file}: sample ${current.id} has no END line`);
      current = { id: start[1]!, lines: [], inHeader: true };
    } else if (end) {
      if (!current || current.id !== end[1]) throw new Error(`${file}: unexpected END SAMPLE ${end[1]}`);
      samples.push({ id: current.id, text: current.lines.length ? `${current.lines.join("\n")}\n` : "" });
      current = undefined;
    } else if (current) {
      if (current.inHeader && /^### (?:SOURCE|NOTE)\b/.test(line)) continue;
      current.inHeader = false;
      current.lines.push(line);
    }
  }
  if (current) throw new Error(`${file}: sample ${current.id} has no END line`);
  cache.set(file, samples);
  return samples;
}

/** Sample ids of a fixture file, in file order. */
export function listSamples(file: string): string[] {
  return readSamples(file).map((s) => s.id);
}

/** The verbatim text of one sample (without the ### lines), ending with a newline. */
export function loadSample(file: string, id: string): string {
  const sample = readSamples(file).find((s) => s.id === id);
  if (!sample) throw new Error(`${file}: no sample ${id}`);
  return sample.text;
}

/**
 * Undoes the line wrapping of documentation samples whose NOTE says "wrapped" / "lines broken for
 * readability": a line that starts with white space continues the previous line.
 */
export function unwrapContinuations(text: string): string {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const last = out.length - 1;
    if (/^\s+\S/.test(line) && last >= 0) out[last] = `${out[last]} ${line.trim()}`;
    else out.push(line);
  }
  return out.join("\n");
}

/** Drops a leading prompt + command line ("# drbdsetup ..." or "$ ...") that a sample starts with. */
export function stripPrompt(text: string): string {
  return /^[#$] /.test(text) ? text.slice(text.indexOf("\n") + 1) : text;
}

export interface TranscriptBlock {
  command: string;
  output: string;
  exitCode?: number;
}

/**
 * Splits a test transcript ("$ command" lines, each block ending with the exit code that
 * `; echo $?` printed) into the output of each command, without the prompt and exit-code lines.
 */
export function splitTranscript(text: string): TranscriptBlock[] {
  const blocks: { command: string; lines: string[] }[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("$ ")) blocks.push({ command: line.slice(2), lines: [] });
    else if (blocks.length) blocks[blocks.length - 1]!.lines.push(line);
    else if (line.trim() !== "") throw new Error(`transcript line before the first command: ${line}`);
  }
  return blocks.map(({ command, lines }) => {
    while (lines.length && lines[lines.length - 1]!.trim() === "") lines.pop();
    const last = lines[lines.length - 1];
    const hasExit = last !== undefined && /^\d+$/.test(last);
    if (hasExit) lines.pop();
    return {
      command,
      output: lines.length ? `${lines.join("\n")}\n` : "",
      ...(hasExit ? { exitCode: Number(last) } : {}),
    };
  });
}
