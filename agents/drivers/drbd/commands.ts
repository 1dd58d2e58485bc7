/**
 * argv builders for the DRBD tools. Commands are data: never join these into a shell string.
 * https://linbit.com/drbd-user-guide/drbd-guide-9_0-en/#s-drbdsetup-events2
 */

/** One-shot dump of every object with counters; ends with the line `exists -`. */
export function drbdEvents2NowArgv(): string[] {
  return ["drbdsetup", "events2", "--now", "--statistics", "all"];
}

/** Initial dump (ending with `exists -`) followed by one line per change, until killed. */
export function drbdEvents2StreamArgv(): string[] {
  return ["drbdsetup", "events2", "--statistics", "all"];
}

/** JSON status of all resources (drbd-utils >= 9.x, DRBD 9 kernel). */
export function drbdStatusJsonArgv(): string[] {
  return ["drbdsetup", "status", "--json", "all"];
}

/** `KEY=value` lines with the drbd-utils and kernel-module versions. */
export function drbdadmVersionArgv(): string[] {
  return ["drbdadm", "--version"];
}
