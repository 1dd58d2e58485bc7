/**
 * `tandem-agent serve [--poll-ms N] [--heartbeat-ms N] [--xen-config-dir DIR ...] [--hypervisor KIND] [--simulated]`
 *   speaks JSON-RPC on stdin/stdout (docs/agent-protocol.md); logs go to stderr.
 * `tandem-agent parse <format> [file]`
 *   parses a tool's output (the file, or stdin) and prints the result as JSON; exit 2 names the bad line.
 */
import fs from "node:fs";
import { parseArgs } from "node:util";
import { ZHypervisorKind } from "./protocol/schemas";
import { createHypervisor, detectHypervisor } from "./hypervisor";
import { AGENT_VERSION } from "./protocol/version";
import { PARSE_FORMATS } from "./parsers/registry";
import { PROTOCOL_VERSION } from "./protocol/methods";
import { serveAgent } from "./server";

const USAGE = [
  "usage: tandem-agent serve [--poll-ms N] [--heartbeat-ms N] [--xen-config-dir DIR]... [--hypervisor xen-xl|xen-xm|libvirt]",
  "                          [--drbd-config-dir /etc/drbd.d] [--mounts-file /proc/mounts]",
  "                          [--proc-drbd /proc/drbd] [--simulated]",
  "       tandem-agent parse <format> [file]",
  "       tandem-agent version",
].join("\n");

/** `parse`: exit 0 with JSON, or 2 with the parser's error (which names the offending line). */
function parseCommand(format: string | undefined, file: string | undefined): number {
  const parser = format === undefined ? undefined : PARSE_FORMATS[format];
  if (!parser) {
    process.stderr.write(
      `tandem-agent parse: unknown format ${JSON.stringify(format ?? "")}; formats: ${Object.keys(PARSE_FORMATS).sort().join(", ")}\n`,
    );
    return 2;
  }
  let text: string;
  try {
    text = fs.readFileSync(file ?? 0, "utf8");
  } catch (err) {
    process.stderr.write(`tandem-agent parse: cannot read ${file ?? "stdin"}: ${(err as Error).message}\n`);
    return 2;
  }
  try {
    process.stdout.write(`${JSON.stringify(parser(text), null, 2)}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(
      `tandem-agent parse ${format}: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return 2;
  }
}

async function main(): Promise<number> {
  if (process.argv[2] === "version") {
    process.stdout.write(
      `${JSON.stringify({ agentVersion: AGENT_VERSION, protocolVersion: PROTOCOL_VERSION })}\n`,
    );
    return 0;
  }
  if (process.argv[2] === "parse") {
    const rest = process.argv.slice(3);
    if (rest.length > 2) {
      process.stderr.write(`${USAGE}\n`);
      return 2;
    }
    return parseCommand(rest[0], rest[1]);
  }
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      "poll-ms": { type: "string", default: "1000" },
      "heartbeat-ms": { type: "string", default: "2000" },
      "xen-config-dir": { type: "string", multiple: true, default: ["/etc/xen"] },
      hypervisor: { type: "string" },
      simulated: { type: "boolean", default: false },
      "drbd-config-dir": { type: "string", default: "/etc/drbd.d" },
      "mounts-file": { type: "string", default: "/proc/mounts" },
      "proc-drbd": { type: "string", default: "/proc/drbd" },
    },
  });
  if (positionals[0] !== "serve") {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const pollMs = Number(values["poll-ms"]);
  if (!Number.isInteger(pollMs) || pollMs < 100 || pollMs > 60_000) {
    process.stderr.write("tandem-agent: --poll-ms must be an integer from 100 to 60000\n");
    return 2;
  }
  const heartbeatMs = Number(values["heartbeat-ms"]);
  if (!Number.isInteger(heartbeatMs) || heartbeatMs < 100 || heartbeatMs > 60_000) {
    process.stderr.write("tandem-agent: --heartbeat-ms must be an integer from 100 to 60000\n");
    return 2;
  }
  const kind =
    values.hypervisor === undefined ? detectHypervisor() : ZHypervisorKind.parse(values.hypervisor);
  const hypervisor = createHypervisor(kind, { xenConfigDirs: values["xen-config-dir"] });
  const log = (message: string) => process.stderr.write(`tandem-agent: ${message}\n`);
  process.stdout.on("error", () => process.exit(0));
  await serveAgent(process.stdin, process.stdout, {
    hypervisor,
    pollMs,
    heartbeatMs,
    simulated: values.simulated,
    drbdConfigDir: values["drbd-config-dir"],
    mountsFile: values["mounts-file"],
    procDrbdFile: values["proc-drbd"],
    log,
  });
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`tandem-agent: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
