/**
 * `tandem-agent serve [--poll-ms N] [--xen-config-dir DIR ...] [--hypervisor KIND] [--simulated]`
 * Speaks JSON-RPC on stdin/stdout (docs/agent-protocol.md); logs go to stderr.
 */
import { parseArgs } from "node:util";
import { ZHypervisorKind } from "./protocol/schemas";
import { createHypervisor, detectHypervisor } from "./hypervisor";
import { serveAgent } from "./server";

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      "poll-ms": { type: "string", default: "1000" },
      "xen-config-dir": { type: "string", multiple: true, default: ["/etc/xen"] },
      hypervisor: { type: "string" },
      simulated: { type: "boolean", default: false },
    },
  });
  if (positionals[0] !== "serve") {
    process.stderr.write(
      "usage: tandem-agent serve [--poll-ms N] [--xen-config-dir DIR]... [--hypervisor xen-xl|xen-xm|libvirt]\n",
    );
    return 2;
  }
  const pollMs = Number(values["poll-ms"]);
  if (!Number.isInteger(pollMs) || pollMs < 100 || pollMs > 60_000) {
    process.stderr.write("tandem-agent: --poll-ms must be an integer from 100 to 60000\n");
    return 2;
  }
  const kind =
    values.hypervisor === undefined ? detectHypervisor() : ZHypervisorKind.parse(values.hypervisor);
  const hypervisor = createHypervisor(kind, { xenConfigDirs: values["xen-config-dir"] });
  const log = (message: string) => process.stderr.write(`tandem-agent: ${message}\n`);
  process.stdout.on("error", () => process.exit(0));
  await serveAgent(process.stdin, process.stdout, { hypervisor, pollMs, simulated: values.simulated, log });
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`tandem-agent: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
