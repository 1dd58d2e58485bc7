/**
 * Parameter rules shared by every agent method: anything that becomes part of a command line is checked
 * here, before any command runs. Names and paths are allow-listed, never escaped.
 */
import path from "node:path";
import { z } from "zod";

/** A DRBD resource, VM, volume group or logical volume name. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,62}$/;
export const ZName = z
  .string()
  .regex(NAME_PATTERN, "must be 1-63 letters, digits or _ . + - and start with a letter or digit");

/** An absolute, normalized POSIX path without control characters (no "..", no "//", no trailing "/"). */
export const ZAbsolutePath = z
  .string()
  .max(4096, "must be at most 4096 characters")
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
  .refine((p) => !/[\u0000-\u001f\u007f]/.test(p), "must not contain control characters")
  .refine((p) => p.startsWith("/"), "must be an absolute path")
  .refine(
    (p) => p === "/" || (path.posix.normalize(p) === p && !p.endsWith("/")),
    "must be a normalized path (no .., //, . or trailing /)",
  );

/**
 * A device or file path that is also safe inside a configuration file (DRBD resource files, xl.cfg): an
 * absolute path of letters, digits and `. _ + - /` only, so no value can close a section or add a statement.
 */
export const ZDevicePath = ZAbsolutePath.refine(
  (p) => /^\/[A-Za-z0-9._+/-]*$/.test(p),
  "may contain only letters, digits and . _ + - /",
);

/** DRBD minor numbers (drbd.conf: 0..1048575). */
export const ZDrbdMinor = z.number().int().min(0).max(1_048_575);
/** TCP port for DRBD replication. */
export const ZPort = z.number().int().min(1).max(65_535);
/** Memory in MiB for a VM: 16 MiB to 16 TiB. */
export const ZMemoryMiB = z
  .number()
  .int()
  .min(16)
  .max(16 * 1024 * 1024);
