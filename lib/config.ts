/**
 * The farm configuration file (tandem.config.json). Without it, Tandem runs the simulated farm.
 * See docs/configuration.md for an example.
 */
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { AppError } from "./errors";
import { ZDevicePath } from "../agents/protocol/validation";
import { DEFAULT_AGENT_PATH } from "./agent-install/install-agent";
import { ZFenceConfig } from "./runbooks/fence";

/** A host's name in Tandem (the config file, onboarding, the farm choice). */
export const ZHostName = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9.-]{0,62}$/, "must be a hostname (letters, digits, dots, dashes)");

export const ZFarmConfig = z
  .object({
    hosts: z
      .array(
        z
          .object({
            name: ZHostName,
            /** SSH address (name or IP) of the host's management interface. */
            address: z.string().min(1),
            port: z.number().int().min(1).max(65535).default(22),
            user: z
              .string()
              .regex(/^[a-z_][a-z0-9_-]*$/, "must be a Unix user name")
              .default("root"),
            /** Path of the SSH private key file Tandem uses for this host. */
            privateKeyPath: z.string().min(1),
            /** The host's SSH key fingerprint, exactly as `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` prints it. */
            hostKeySha256: z
              .string()
              .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'must be "SHA256:" followed by 43 base64 characters'),
            /** Where the panel's "install/upgrade agent" puts the bundle on the host. */
            agentPath: ZDevicePath.default(DEFAULT_AGENT_PATH),
            /** The agent command on the host; default `node <agentPath> serve`. */
            agentCommand: z.array(z.string().min(1)).min(1).optional(),
            /** Memory to keep free to take over the peer's VMs, MiB (the paper keeps 1 GiB). */
            standbyMiB: z.number().int().min(0).default(1024),
            /**
             * The host's fence device: a fence-agents program and its options, run by the panel with
             * `--action=off` before a failover promotes anything while the host does not answer.
             */
            fence: ZFenceConfig.optional(),
          })
          .strict()
          .transform((h) => ({ ...h, agentCommand: h.agentCommand ?? ["node", h.agentPath, "serve"] })),
      )
      .length(2, "a Tandem farm has exactly two hosts (one DRBD pair)"),
    resources: z
      .array(
        z
          .object({
            name: z.string().min(1),
            mountPoint: z.string().startsWith("/").nullable().default(null),
          })
          .strict(),
      )
      .default([]),
    /** Host health (lib/monitor): heartbeat's deadtime; "between 15 to 30 seconds is what people usually pick". */
    monitoring: z
      .object({
        /** A host silent this long, whose DRBD peer has lost it too, is down. */
        deadTimeSec: z.number().int().min(5).max(600).default(15),
        /** An open session whose agent is silent, or whose probe runs, this long: the host hangs. */
        hungAfterSec: z.number().int().min(5).max(600).default(10),
      })
      .strict()
      .default({ deadTimeSec: 15, hungAfterSec: 10 }),
  })
  .strict();
export type TFarmConfig = z.infer<typeof ZFarmConfig>;

/** Reads and validates the config file; returns null when it does not exist. Errors name the field and the rule. */
export function loadFarmConfig(file: string): TFarmConfig | null {
  if (!fs.existsSync(file)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new AppError("VALIDATION_FAILED", `${file}: not valid JSON: ${(err as Error).message}`);
  }
  const parsed = ZFarmConfig.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".") || "(top level)";
    throw new AppError(
      "VALIDATION_FAILED",
      `${path.basename(file)}: ${field}: ${issue?.message ?? "invalid"}`,
      {
        details: { field, rule: issue?.message ?? "invalid" },
      },
    );
  }
  return parsed.data;
}
