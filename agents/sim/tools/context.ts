import { WorldStore } from "../store";

/** What a stand-in tool knows: which simulated host it runs on and where the world is. */
export interface ToolContext {
  host: string;
  store: WorldStore;
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Thrown by a stand-in tool to exit with the real tool's exit code and message. */
export class ToolExit extends Error {
  constructor(
    readonly exitCode: number,
    readonly stderr: string,
  ) {
    super(stderr);
  }
}
