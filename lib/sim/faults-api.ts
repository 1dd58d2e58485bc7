import { AppError } from "../errors";
import type { Runtime } from "../runtime";
import { FaultError, type TFault } from "../../agents/sim/faults";
import { injectWorldFault } from "../../agents/sim/lab-links";
import type { WorldStore } from "../../agents/sim/store";

/** The simulated world's store, or NOT_FOUND: a real farm has no simulation API. */
export function simStoreOf(runtime: Runtime): WorldStore {
  if (!runtime.sim)
    throw new AppError("NOT_FOUND", "no simulated farm: the panel manages real hosts", {
      userMessage: "Not found: this panel manages a real farm.",
    });
  return runtime.sim.store;
}

/** Applies a fault to the simulated world; the farm notices it as it would notice a real failure. */
export async function injectFault(runtime: Runtime, fault: TFault): Promise<{ ok: true; fault: TFault }> {
  const store = simStoreOf(runtime);
  try {
    injectWorldFault(store, fault);
  } catch (err) {
    if (err instanceof FaultError)
      throw new AppError("VALIDATION_FAILED", `${err.field}: ${err.rule}`, {
        userMessage: `Invalid ${err.field}: ${err.rule}`,
        details: { field: err.field, rule: err.rule },
      });
    throw err;
  }
  return { ok: true, fault };
}
