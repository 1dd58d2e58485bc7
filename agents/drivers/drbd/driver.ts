import { spawn } from "node:child_process";
import type { TDrbdStatus } from "../../protocol/schemas";
import { runDrbd } from "./run";
import { createLineDecoder } from "../../rpc";
import { drbdadmVersionArgv, drbdEvents2NowArgv, drbdEvents2StreamArgv } from "./commands";
import { parseDrbdadmVersion } from "./parse-drbdadm-version";
import {
  applyEvents2Record,
  createEvents2State,
  events2StateToStatus,
  parseEvents2Line,
  parseEvents2Now,
} from "./parse-events2";

export async function readDrbdStatus(): Promise<TDrbdStatus> {
  return parseEvents2Now(await runDrbd(drbdEvents2NowArgv()));
}

export async function readDrbdVersions(): Promise<Record<string, string>> {
  const v = parseDrbdadmVersion(await runDrbd(drbdadmVersionArgv()));
  return { drbdUtils: v.utilsVersion, ...(v.kernelVersion ? { drbd: v.kernelVersion } : {}) };
}

export interface DrbdWatch {
  stop(): void;
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
