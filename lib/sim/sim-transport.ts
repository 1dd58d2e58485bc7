/**
 * The panel's way to a simulated host's agent: a local child process, behind the simulated management network.
 * A host that is off or whose management link is cut (faults.ts) cannot be reached, and an open session to it
 * drops within a quarter second, as an SSH session to a real host would (HOST_UNREACHABLE).
 */
import { AppError } from "../errors";
import { createLocalTransport, type LocalTransportOptions } from "../transport/local";
import type { AgentStream, Transport } from "../transport/types";
import type { WorldStore } from "../../agents/sim/store";

const WATCH_MS = 250;

function unreachableReason(store: WorldStore, host: string): string | null {
  const h = store.read().hosts[host];
  if (!h) return "not in the simulated world";
  if (h.power === "off") return "no answer (the simulated host is off)";
  if (!h.mgmtUp) return "no answer (the simulated management network is cut)";
  return null;
}

export function createSimTransport(
  store: WorldStore,
  host: string,
  options: LocalTransportOptions,
): Transport {
  const local = createLocalTransport(options);
  return {
    kind: "local",
    description: local.description,
    async open(): Promise<AgentStream> {
      const reason = unreachableReason(store, host);
      if (reason) throw new AppError("HOST_UNREACHABLE", `${host}: ${reason}`, { details: { host } });
      const stream = await local.open();
      let lost: AppError | undefined;
      const timer = setInterval(() => {
        const why = unreachableReason(store, host);
        if (!why) return;
        lost = new AppError("HOST_UNREACHABLE", `${host}: connection lost: ${why}`, { details: { host } });
        clearInterval(timer);
        stream.close();
      }, WATCH_MS);
      timer.unref();
      stream.onClose(() => clearInterval(timer));
      return {
        stdin: stream.stdin,
        stdout: stream.stdout,
        stderr: stream.stderr,
        close: () => {
          clearInterval(timer);
          stream.close();
        },
        onClose: (listener) => stream.onClose((info) => listener(lost ? { ...info, error: lost } : info)),
      };
    },
    dispose: () => local.dispose(),
  };
}
