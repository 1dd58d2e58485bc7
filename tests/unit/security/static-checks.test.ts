/**
 * Static security checks over the source tree: S1 (every ssh2 connection pins the host key: `connect()` of an ssh2
 * Client is only ever called with a `hostVerifier`) and the rule that nothing reaches a shell (no child_process
 * `exec`/`execSync` or `shell: true` in the panel or the agent; argv arrays only, ADR 0001).
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const SOURCES = ["lib", "agents", "app", "components", "scripts", "server.ts"];

function files(): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = [];
  const walk = (p: string) => {
    const full = path.join(ROOT, p);
    if (!fs.existsSync(full)) return;
    if (fs.statSync(full).isDirectory()) {
      if (p.endsWith("dist") || p.endsWith("node_modules")) return;
      for (const name of fs.readdirSync(full)) walk(path.join(p, name));
    } else if (/\.(ts|tsx|mjs|js)$/.test(p)) out.push({ file: p, text: fs.readFileSync(full, "utf8") });
  };
  SOURCES.forEach(walk);
  return out;
}

describe("S1: host keys are pinned", () => {
  it("every module that uses ssh2's Client passes a hostVerifier to each connect()", () => {
    const users = files().filter((f) => /from "ssh2"/.test(f.text) && /new Client\(/.test(f.text));
    expect(users.map((f) => f.file)).toEqual(
      expect.arrayContaining([
        path.join("lib", "transport", "ssh.ts"),
        path.join("lib", "hosts", "onboard.ts"),
      ]),
    );
    for (const f of users) {
      // The variables holding an ssh2 Client, and each connect() called on one of them.
      const names = [...f.text.matchAll(/(\w+)\s*=\s*new Client\(/g)].map((m) => m[1]!);
      const calls = names.flatMap((n) => [...f.text.matchAll(new RegExp(`\\b${n}\\.connect\\(\\{`, "g"))]);
      expect(calls.length, `${f.file}: no connect() found`).toBeGreaterThan(0);
      for (const call of calls) {
        // The options object of this connect() call: up to its closing "})".
        const options = f.text.slice(call.index, f.text.indexOf("});", call.index));
        expect(options, `${f.file}: connect() without hostVerifier`).toMatch(/hostVerifier\s*:/);
      }
    }
  });

  it("the verifier refuses when nothing is pinned (it never accepts by default)", () => {
    const ssh = fs.readFileSync(path.join(ROOT, "lib/transport/ssh.ts"), "utf8");
    const verifier = ssh.slice(ssh.indexOf("hostVerifier:"), ssh.indexOf("hostVerifier:") + 1200);
    expect(verifier).toMatch(/pinned === null/);
    expect(verifier).not.toMatch(/return true;\s*\}\s*,?\s*$/m);
  });
});

describe("no shell", () => {
  it("no child_process exec/execSync and no shell: true in the panel or the agent", () => {
    for (const f of files()) {
      if (f.file.startsWith("scripts")) continue; // developer scripts, not reachable from requests
      expect(f.text, f.file).not.toMatch(
        /\bexecSync\(|\bchild_process"\)\.exec\(|import \{[^}]*\bexec\b[^}]*\} from "node:child_process"/,
      );
      expect(f.text, f.file).not.toMatch(/shell:\s*true/);
    }
  });
});
