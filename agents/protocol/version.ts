/**
 * The agent's release. The panel runs state-changing methods only on an agent of exactly this version
 * (older or newer agents may act differently); read-only methods work on any agent of the same protocol.
 */
export const AGENT_VERSION = "0.2.0";
