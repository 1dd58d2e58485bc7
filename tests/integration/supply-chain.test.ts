/**
 * S12, as far as this machine allows: the lockfile pins every package by version and sha512 integrity;
 * npm produces a CycloneDX SBOM from it; the agent bundle (what is installed on hosts) is reproducible: two builds
 * from the same sources are byte for byte the same. (`npm audit` needs the registry's advisory endpoint, which this
 * machine's registry does not serve: see the closing note.)
 */
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");

describe("supply chain", () => {
  it("the lockfile pins every installed package with its version and a sha512 integrity", () => {
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as {
      lockfileVersion: number;
      packages: Record<string, { version?: string; resolved?: string; integrity?: string; link?: boolean }>;
    };
    expect(lock.lockfileVersion).toBe(3);
    const entries = Object.entries(lock.packages).filter(([p, e]) => p !== "" && !e.link);
    expect(entries.length).toBeGreaterThan(100);
    for (const [p, e] of entries) {
      expect(e.version, p).toMatch(/^\d+\.\d+\.\d+/);
      // (npm leaves out `resolved` for the default registry; where it is written, it is that registry.)
      if (e.resolved !== undefined) expect(e.resolved, p).toMatch(/^https:\/\/registry\.npmjs\.org\//);
      expect(e.integrity, p).toMatch(/^sha512-/);
    }
  });

  it("npm writes a CycloneDX SBOM naming the runtime dependencies at their locked versions", () => {
    const r = spawnSync("npm", ["sbom", "--sbom-format", "cyclonedx", "--omit", "dev"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(0);
    const sbom = JSON.parse(r.stdout) as {
      bomFormat: string;
      components: Array<{ name: string; version: string }>;
    };
    expect(sbom.bomFormat).toBe("CycloneDX");
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as {
      packages: Record<string, { version: string }>;
    };
    for (const name of ["ssh2", "@node-rs/argon2", "otpauth", "next"])
      expect(sbom.components.find((c) => c.name === name)?.version, name).toBe(
        lock.packages[`node_modules/${name}`]?.version,
      );
    expect(sbom.components.find((c) => c.name === "vitest")).toBeUndefined();
  }, 60_000);

  it("the agent bundle is reproducible: two builds are identical", () => {
    // Two builds into two fresh directories (agents/dist, which other tests run, is left alone).
    const digest = () => {
      const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-agent-build-"));
      try {
        const r = spawnSync(process.execPath, ["scripts/build-agent.mjs"], {
          cwd: ROOT,
          encoding: "utf8",
          env: { ...process.env, TANDEM_AGENT_OUTDIR: outdir },
        });
        expect(r.status, r.stderr).toBe(0);
        return crypto
          .createHash("sha256")
          .update(fs.readFileSync(path.join(outdir, "tandem-agent.js")))
          .digest("hex");
      } finally {
        fs.rmSync(outdir, { recursive: true, force: true });
      }
    };
    const first = digest();
    expect(first).toBe(digest());
    // And the same as the bundle the panel installs.
    expect(first).toBe(
      crypto
        .createHash("sha256")
        .update(fs.readFileSync(path.join(ROOT, "agents/dist/tandem-agent.js")))
        .digest("hex"),
    );
  }, 60_000);
});
