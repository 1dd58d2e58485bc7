/**
 * Fencing (issue 5): before a failover promotes anything, the host that stopped answering is powered off by
 * its fence device, so that it cannot come back as a second Primary. A fence command is a fence-agents
 * compatible program (fence_ipmilan, fence_ilo, fence_apc, ...) configured per host as an argv; the panel runs
 * it on its own machine (it reaches the management controllers, which the failed host's network may not) and
 * adds the action: `--action=off` to fence, `--action=status` to check. As fence-agents do, `off` exits 0 once
 * the device reports the power off, and `status` exits 0 when on and 2 when off; anything else is a failure.
 */
import { z } from "zod";
import { execArgv } from "../../agents/exec";
import type { TCommandRecord } from "../../agents/protocol/schemas";

export const ZFenceConfig = z
  .object({
    /** The fence agent and its options, without `--action` (Tandem adds it). */
    command: z
      .array(z.string().min(1))
      .min(1, "must name the fence agent")
      .refine((argv) => !argv.some((a) => /^(-o|--action)(=|$)/.test(a)), {
        message: "must not contain --action or -o (Tandem adds --action=off and --action=status)",
      }),
    /** Seconds the fence agent may take (it waits for the power off itself). */
    timeoutSec: z.number().int().min(5).max(600).default(60),
  })
  .strict();
export type TFenceConfig = z.infer<typeof ZFenceConfig>;

/** A host's fence device as the panel runs it: the config, plus the environment of the command. */
export interface FenceDevice extends TFenceConfig {
  env?: NodeJS.ProcessEnv;
}

export type PowerStatus = "on" | "off" | "unknown";

export interface FenceOutcome {
  record: TCommandRecord;
  /** off: the device confirmed the power off. status: what the device reports. */
  status: PowerStatus;
}

const OUTPUT_KEEP = 2_000;

/** Runs the fence agent with `--action=<action>`; never throws for a failing agent (its outcome says so). */
export async function runFence(device: FenceDevice, action: "off" | "status"): Promise<FenceOutcome> {
  const argv = [...device.command, `--action=${action}`];
  let record: TCommandRecord;
  try {
    const r = await execArgv(argv, {
      timeoutMs: device.timeoutSec * 1000,
      maxOutputBytes: 1024 * 1024,
      ...(device.env ? { env: device.env } : {}),
    });
    const output = `${r.stdout}${r.stderr}`;
    record = {
      argv,
      exitCode: r.exitCode,
      timedOut: r.timedOut,
      durationMs: r.durationMs,
      output: output.length > OUTPUT_KEEP ? output.slice(-OUTPUT_KEEP) : output,
    };
  } catch (err) {
    record = { argv, exitCode: null, timedOut: false, durationMs: 0, output: (err as Error).message };
  }
  return { record, status: interpret(action, record) };
}

/** fence-agents' exit codes: off → 0 is "Powered OFF"; status → 0 is ON, 2 is OFF; the rest is an error. */
export function interpret(action: "off" | "status", record: TCommandRecord): PowerStatus {
  if (record.timedOut || record.exitCode === null) return "unknown";
  if (action === "off") return record.exitCode === 0 ? "off" : "unknown";
  return record.exitCode === 0 ? "on" : record.exitCode === 2 ? "off" : "unknown";
}
