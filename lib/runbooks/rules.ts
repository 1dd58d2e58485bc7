/**
 * Why a plan or a step is refused, besides the promotion gate's REFUSAL_RULES (promotion.ts). The UI words each
 * in its catalogues (runbook.rule.*); this file has no dependencies, so pages can import it.
 */
export const PLAN_RULES = [
  "source-reachable",
  "source-unreachable",
  "target-unreachable",
  "nothing-to-move",
  "nothing-to-fail-back",
  "resync-running",
  "no-memory",
  "job-running",
  "shutdown-timeout",
  "vm-runs-elsewhere",
] as const;
