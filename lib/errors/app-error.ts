import { ERROR_CODES, type ErrorCode, isErrorCode } from "./codes";

/** Evidence attached to an error: what ran, how it ended. Never holds secrets. */
export interface ErrorDetails {
  host?: string;
  argv?: string[];
  exitCode?: number | null;
  signal?: string | null;
  timedOut?: boolean;
  durationMs?: number;
  stderr?: string;
  tool?: string;
  line?: string;
  field?: string;
  rule?: string;
  [key: string]: unknown;
}

/**
 * Tandem's one error type. `message` is for logs, `userMessage` for the UI.
 */
/**
 * Marks AppErrors across copies of this module: Next bundles route handlers with their own copy of lib/, while
 * the services they call (on globalThis, docs/adr/0003) throw the copy server.ts loaded. `instanceof AppError`
 * checks this mark, so an error keeps its code (a 409 stays a 409) whichever copy made it.
 */
const BRAND = Symbol.for("tandem.AppError");

export class AppError extends Error {
  readonly [BRAND] = true;

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }

  readonly code: ErrorCode;
  readonly userMessage: string;
  readonly details: ErrorDetails;

  constructor(
    code: ErrorCode,
    message: string,
    options: { userMessage?: string; details?: ErrorDetails; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.userMessage = options.userMessage ?? ERROR_CODES[code].userMessage;
    this.details = options.details ?? {};
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }

  toJSON(): SerializedAppError {
    return { code: this.code, message: this.message, userMessage: this.userMessage, details: this.details };
  }

  static fromJSON(value: unknown): AppError {
    const v = (value ?? {}) as Partial<SerializedAppError>;
    const code = isErrorCode(v.code) ? v.code : "INTERNAL";
    return new AppError(code, typeof v.message === "string" ? v.message : "unknown error", {
      ...(typeof v.userMessage === "string" ? { userMessage: v.userMessage } : {}),
      details: (v.details && typeof v.details === "object" ? v.details : {}) as ErrorDetails,
    });
  }
}

export interface SerializedAppError {
  code: ErrorCode;
  message: string;
  userMessage: string;
  details: ErrorDetails;
}

/** Thrown by pure parsers when a tool printed something they cannot read. */
export class ParseError extends AppError {
  constructor(tool: string, message: string, line?: string) {
    super(
      "PARSE_ERROR",
      `${tool}: ${message}${line === undefined ? "" : `: ${JSON.stringify(line.slice(0, 300))}`}`,
      {
        details: { tool, ...(line === undefined ? {} : { line: line.slice(0, 300) }) },
      },
    );
    this.name = "ParseError";
  }
}

export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new AppError("INTERNAL", message, { cause: err });
}
