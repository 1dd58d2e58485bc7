/** The fault names, without dependencies: the UI imports them (components/simulation-panel.tsx). */
export const FAULT_ACTIONS = [
  "power-off",
  "power-on",
  "crash",
  "cut-link",
  "restore-link",
  "cut-mgmt",
  "restore-mgmt",
  "cut-bmc",
  "restore-bmc",
  "fail-disk",
  "replace-disk",
  "hang-command",
  "slow-command",
  "clear-command",
  "write-load",
] as const;

/** Tools whose runs a hang-command / slow-command fault can affect on a host. */
export const FAULTABLE_TOOLS = ["drbdadm", "drbdsetup", "drbdmeta", "xl"] as const;
