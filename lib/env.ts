/**
 * The only module that reads process.env. Every setting has a default that runs the simulated farm
 * on a laptop with no configuration.
 */
import path from "node:path";
import { z } from "zod";

export const ZEnv = z.object({
  /** HTTP port of the panel (Next pages, REST API and socket.io on one port). */
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  /** Listen address. Anything beyond loopback is honoured only once an administrator exists. */
  HOST: z.string().min(1).default("127.0.0.1"),
  /** Where the database, the simulated world and other state live. */
  TANDEM_DATA_DIR: z.string().min(1).default("./data"),
  /** Set by scripts/start.mjs, which starts server.ts again when it exits with 75 (a farm switch restarts the panel). */
  TANDEM_SUPERVISED: z.enum(["1"]).optional(),
  /** Overrides the database location (default: file:$TANDEM_DATA_DIR/tandem.db). */
  DATABASE_URL: z.string().min(1).optional(),
  /** Farm configuration file naming real hosts (default: ./tandem.config.json if present). */
  TANDEM_CONFIG: z.string().min(1).optional(),
  /** Simulated seconds per real second for the simulated farm (1 = real time). */
  TANDEM_SIM_SPEED: z.coerce.number().positive().max(10_000).optional(),
  /**
   * DRBD generation of simulated hosts when the world is first created, e.g. "xen2=8.4" (default 9 on both):
   * an 8.4 host has /proc/drbd and DRBD 8.4's drbdadm.
   */
  TANDEM_SIM_DRBD: z
    .string()
    .regex(/^(xen[12]=(8\.4|9))(,xen[12]=(8\.4|9))*$/, 'must be like "xen2=8.4" or "xen1=8.4,xen2=9"')
    .optional(),
  /**
   * Toolstack of simulated hosts when the world is first created, e.g. "xen2=xm" or "xen1=libvirt,xen2=libvirt"
   * (default xl on both): xl, xend's xm, or libvirt's virsh (a KVM host).
   */
  TANDEM_SIM_HYPERVISOR: z
    .string()
    .regex(
      /^(xen[12]=(xl|xm|libvirt))(,xen[12]=(xl|xm|libvirt))*$/,
      'must be like "xen2=xm" or "xen1=libvirt,xen2=libvirt"',
    )
    .optional(),
  /** VM poll interval of the simulated agents, in ms (xl has no event stream). 500 ms keeps the page within 1 s. */
  TANDEM_AGENT_POLL_MS: z.coerce.number().int().min(100).max(60_000).default(500),
  /** The monitor's dead time in ms (default 15 s, or `monitoring.deadTimeSec` of the config file). */
  TANDEM_DEAD_TIME_MS: z.coerce.number().int().min(1000).max(600_000).optional(),
  /**
   * The key that encrypts secrets at rest (TOTP secrets, SSH keys, the SMTP password): base64 of 32 bytes. Without
   * it the panel keeps its key in $TANDEM_DATA_DIR/secrets/panel.key (0600), outside the database.
   */
  TANDEM_SECRET_KEY: z.string().min(1).optional(),
  /** Serve HTTPS with this certificate (PEM file; with TANDEM_TLS_KEY). The session cookie is then __Host- and Secure. */
  TANDEM_TLS_CERT: z.string().min(1).optional(),
  /** The certificate's private key (PEM file). */
  TANDEM_TLS_KEY: z.string().min(1).optional(),
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
});

export type TEnv = z.infer<typeof ZEnv> & { dataDir: string; databaseUrl: string };

let cached: TEnv | undefined;

export function getEnv(): TEnv {
  if (cached) return cached;
  const parsed = ZEnv.safeParse(process.env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`environment variable ${issue?.path.join(".") ?? "?"}: ${issue?.message ?? "invalid"}`);
  }
  if ((parsed.data.TANDEM_TLS_CERT === undefined) !== (parsed.data.TANDEM_TLS_KEY === undefined))
    throw new Error("environment variable TANDEM_TLS_CERT and TANDEM_TLS_KEY: set both or neither");
  const dataDir = path.resolve(parsed.data.TANDEM_DATA_DIR);
  cached = {
    ...parsed.data,
    dataDir,
    databaseUrl: parsed.data.DATABASE_URL ?? `file:${path.join(dataDir, "tandem.db")}`,
  };
  return cached;
}

/** The environment for a child process: this process's environment plus `extra` (PATH and friends pass through). */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...extra };
}

/** "xen1=a,xen2=b" (validated by ZEnv) as a per-host record, each value mapped through `map`. */
export function perSimHost<T>(
  text: string | undefined,
  map: (value: string) => T,
): Partial<Record<"xen1" | "xen2", T>> {
  if (text === undefined) return {};
  return Object.fromEntries(
    text.split(",").map((kv) => {
      const [host, value] = kv.split("=");
      return [host, map(value ?? "")];
    }),
  ) as Partial<Record<"xen1" | "xen2", T>>;
}
