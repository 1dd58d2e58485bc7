"use client";

/**
 * The browser's side of a security key: ask the panel for a challenge, let the browser talk to the key
 * (@simplewebauthn/browser), and hand back its answer to send. A key the person dismissed or that timed out is an
 * error worded for the page, not an exception.
 */
import { startAuthentication, startRegistration } from "@simplewebauthn/browser";
import { apiError, sendJson, type ApiError } from "./api-fetch";

/** `byBrowser`: the browser or the key gave up (dismissed, timed out, no matching key); the panel refused nothing. */
export type KeyAnswer = { ok: true; response: unknown } | { ok: false; error: ApiError; byBrowser: boolean };

async function withOptions(
  optionsUrl: string,
  run: (options: never) => Promise<unknown>,
): Promise<KeyAnswer> {
  const res = await sendJson("POST", optionsUrl, {});
  if (!res.ok) return { ok: false, error: await apiError(res), byBrowser: false };
  try {
    return { ok: true, response: await run((await res.json()) as never) };
  } catch (err) {
    // NotAllowedError: dismissed, timed out or no matching key; the browser's own words are the evidence.
    return { ok: false, error: { code: null, message: (err as Error).message }, byBrowser: true };
  }
}

/** An assertion by one of the account's keys (sign-in's second step or step-up). */
export function answerWithKey(optionsUrl: string): Promise<KeyAnswer> {
  return withOptions(optionsUrl, (optionsJSON) => startAuthentication({ optionsJSON }));
}

/** A new key's registration. */
export function registerKey(optionsUrl: string): Promise<KeyAnswer> {
  return withOptions(optionsUrl, (optionsJSON) => startRegistration({ optionsJSON }));
}
