import { spawn } from "node:child_process";
import fs from "node:fs";
import type { TDrbdStatus } from "../../protocol/schemas";
import { runDrbd } from "./run";
import { createLineDecoder } from "../../rpc";
import {
  drbdShMinorArgv,
  drbdShResourcesArgv,
  drbdadmVersionArgv,
  drbdEvents2NowArgv,
  drbdEvents2StreamArgv,
  type DrbdSyntax,
} from "./commands";
import { parseDrbdadmVersion } from "./parse-drbdadm-version";
import { parseProcDrbd } from "./parse-proc-drbd";
import { minorOwners, parseShMinor, parseShResources, procDrbdToStatus } from "./proc-status";
import {
  applyEvents2Record,
  createEvents2State,
  events2StateToStatus,
  parseEvents2Line,
  parseEvents2Now,
} from "./parse-events2";

/**
 * Where this host's DRBD state is read: `drbdsetup events2` needs drbd-utils 9 (which also drives 8.4
 * kernels); with the utils of DRBD 8.3 / 8.4 only /proc/drbd has it.
 */
export type DrbdStatusSource = { kind: "events2" } | { kind: "proc-drbd"; file: string };

export interface DrbdHost {
  /** Command syntax: the kernel module's version, or drbd-utils' when no module is loaded. */
  syntax: DrbdSyntax;
  utils: string;
  kernel: string | null;
  statusSource: DrbdStatusSource["kind"];
}

export async function detectDrbd(): Promise<DrbdHost> {
  const v = parseDrbdadmVersion(await runDrbd(drbdadmVersionArgv()));
  const [major, minor] = (v.kernelVersion ?? v.utilsVersion).split(".").map(Number);
  const syntax: DrbdSyntax = (major ?? 9) >= 9 ? "9" : (minor ?? 4) >= 4 ? "8.4" : "8.3";
  // events2 needs drbd-utils 9 (which also drives 8.4 modules); a 9 module's /proc/drbd lists no devices.
  const utilsMajor = Number(v.utilsVersion.split(".")[0]);
  return {
    syntax,
    utils: v.utilsVersion,
    kernel: v.kernelVersion ?? null,
    statusSource: utilsMajor >= 9 || syntax === "9" ? "events2" : "proc-drbd",
  };
}

export async function readDrbdStatus(source: DrbdStatusSource = { kind: "events2" }): Promise<TDrbdStatus> {
  if (source.kind === "events2") return parseEvents2Now(await runDrbd(drbdEvents2NowArgv()));
  const report = parseProcDrbd(fs.readFileSync(source.file, "utf8"));
  const resources = [];
  for (const resource of parseShResources(await runDrbd(drbdShResourcesArgv())))
    resources.push({ resource, minors: parseShMinor(await runDrbd(drbdShMinorArgv(resource))) });
  return procDrbdToStatus(report, minorOwners(resources));
}

export async function readDrbdVersions(): Promise<Record<string, string>> {
  const v = parseDrbdadmVersion(await runDrbd(drbdadmVersionArgv()));
  return { drbdUtils: v.utilsVersion, ...(v.kernelVersion ? { drbd: v.kernelVersion } : {}) };
}

export interface DrbdWatch {
  stop(): void;
}

/**
 * Calls `onStatus` with the whole status at start and after every change: from the events2 stream, or for
 * /proc/drbd (which has no change notification) by reading it every `pollMs`. `source` is asked once.
 */
export function watchDrbdStatus(
  source: () => Promise<DrbdStatusSource>,
  onStatus: (status: TDrbdStatus) => void,
  onError: (message: string) => void,
  options: { pollMs: number },
): DrbdWatch {
  let inner: DrbdWatch | undefined;
  let stopped = false;
  source().then(
    (s) => {
      if (stopped) return;
      inner =
        s.kind === "events2" ? watchDrbd(onStatus, onError) : pollDrbd(s, onStatus, onError, options.pollMs);
    },
    (err: unknown) => {
      // No usable drbdadm (not installed, unreadable version): fall back to the stream, which reports and retries.
      onError(`drbdadm --version: ${err instanceof Error ? err.message : String(err)}`);
      if (!stopped) inner = watchDrbd(onStatus, onError);
    },
  );
  return {
    stop() {
      stopped = true;
      inner?.stop();
    },
  };
}

function pollDrbd(
  source: DrbdStatusSource,
  onStatus: (status: TDrbdStatus) => void,
  onError: (message: string) => void,
  pollMs: number,
): DrbdWatch {
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      onStatus(await readDrbdStatus(source));
    } catch (err) {
      onError(err instanceof Error ? err.message : String(err));
    } finally {
      busy = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), pollMs);
  return { stop: () => clearInterval(timer) };
}

/**
 * Follows `drbdsetup events2 --statistics` and calls `onStatus` with the whole new status after the
 * initial dump and after every change (coalesced over `debounceMs`). Restarts the stream with backoff
 * if drbdsetup exits; reports problems through `onError`.
 */
export function watchDrbd(
  onStatus: (status: TDrbdStatus) => void,
  onError: (message: string) => void,
  options: { debounceMs?: number } = {},
): DrbdWatch {
  let stopped = false;
  let child: ReturnType<typeof spawn> | undefined;
  let backoffMs = 500;
  let timer: NodeJS.Timeout | undefined;

  const start = () => {
    if (stopped) return;
    const state = createEvents2State();
    let initialDone = false;
    const [cmd, ...args] = drbdEvents2StreamArgv();
    const proc = spawn(cmd!, args, { shell: false, stdio: ["ignore", "pipe", "pipe"] });
    child = proc;
    const flush = () => {
      timer = undefined;
      try {
        onStatus(events2StateToStatus(state));
      } catch (err) {
        onError(err instanceof Error ? err.message : String(err));
      }
    };
    const decode = createLineDecoder(
      (line) => {
        try {
          const record = parseEvents2Line(line);
          if (!record) return;
          if (record.object === "-") {
            initialDone = true;
            backoffMs = 500;
            flush();
            return;
          }
          if (applyEvents2Record(state, record) && initialDone && !timer)
            timer = setTimeout(flush, options.debounceMs ?? 20);
        } catch (err) {
          onError(err instanceof Error ? err.message : String(err));
        }
      },
      () => onError("drbdsetup events2: line too long"),
    );
    proc.stdout!.on("data", decode);
    let stderr = "";
    proc.stderr!.on("data", (b: Buffer) => (stderr = (stderr + b.toString()).slice(-2000)));
    proc.on("error", (err) => onError(`drbdsetup events2: ${err.message}`));
    proc.on("close", (code, signal) => {
      if (stopped) return;
      onError(`drbdsetup events2 ended (${code ?? signal}); restarting in ${backoffMs} ms: ${stderr.trim()}`);
      setTimeout(start, backoffMs);
      backoffMs = Math.min(backoffMs * 2, 30_000);
    });
  };
  start();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      child?.kill();
    },
  };
}

/** detectDrbd once per agent session; a failure (drbdadm missing) is not cached, so the next call retries. */
export function drbdDetector(detect: () => Promise<DrbdHost> = detectDrbd): () => Promise<DrbdHost> {
  let cached: Promise<DrbdHost> | undefined;
  return () => {
    cached ??= detect().catch((err: unknown) => {
      cached = undefined;
      throw err;
    });
    return cached;
  };
}

export function statusSourceOf(host: DrbdHost, procDrbdFile: string): DrbdStatusSource {
  return host.statusSource === "events2" ? { kind: "events2" } : { kind: "proc-drbd", file: procDrbdFile };
}
