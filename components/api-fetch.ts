"use client";

/**
 * Every request the pages make to the API goes through `apiFetch`: a 401 (signed out, session expired or ended)
 * goes to the sign-in page and back; a 403 STEP_UP_REQUIRED (a dangerous action, the password not proved in the
 * last 5 minutes) opens the step-up dialog (components/step-up-dialog.tsx) and, once confirmed, sends the same
 * request again.
 */
type StepUpOpener = () => Promise<boolean>;
let openStepUp: StepUpOpener | null = null;

/** The dialog registers itself here (one per page). */
export function registerStepUp(opener: StepUpOpener): () => void {
  openStepUp = opener;
  return () => {
    if (openStepUp === opener) openStepUp = null;
  };
}

/** Set once the page is leaving for good (signing out): a late 401 must not send it elsewhere. */
let leaving = false;

/** Signs this browser out (or everywhere) and goes to the sign-in page. */
export function signOut(everywhere = false): void {
  leaving = true;
  void sendJson("POST", "/api/auth/logout", { everywhere }).finally(() => window.location.assign("/login"));
}

export function signInAgain(): void {
  if (leaving) return;
  leaving = true;
  const next = window.location.pathname + window.location.search;
  window.location.assign(next === "/" ? "/login" : `/login?${new URLSearchParams({ next }).toString()}`);
}

async function errorCode(res: Response): Promise<string | null> {
  try {
    const body = (await res.clone().json()) as { error?: { code?: unknown } };
    return typeof body.error?.code === "string" ? body.error.code : null;
  } catch {
    return null;
  }
}

export async function apiFetch(input: string, init?: RequestInit): Promise<Response> {
  const res = await fetch(input, init);
  if (res.status === 401 && !input.startsWith("/api/auth/")) {
    signInAgain();
    return res;
  }
  if (res.status === 403 && openStepUp && (await errorCode(res)) === "STEP_UP_REQUIRED") {
    if (await openStepUp()) return fetch(input, init);
  }
  return res;
}

/** An API error as the pages show it: its code (worded by the page) and the server's message. */
export type ApiError = { code: string | null; message: string; field?: string };

export async function apiError(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => ({}))) as {
    error?: { code?: string; message?: string; details?: { field?: string } };
  };
  return {
    code: body.error?.code ?? null,
    message: body.error?.message ?? res.statusText,
    ...(body.error?.details?.field ? { field: body.error.details.field } : {}),
  };
}

/** POST/PUT/PATCH/DELETE with a JSON body. */
export function sendJson(method: string, input: string, body: unknown): Promise<Response> {
  return apiFetch(input, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}
