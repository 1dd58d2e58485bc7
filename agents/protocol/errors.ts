// The agent shares the panel's error registry (one closed list from agent to UI).
export * from "../../lib/errors";
