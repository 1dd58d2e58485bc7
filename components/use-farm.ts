"use client";

import { useEffect, useRef, useState } from "react";
import { io } from "socket.io-client";
import type { TFarmView } from "@/lib/farm/view";
import { apiFetch } from "./api-fetch";

export type FarmState =
  | { status: "loading" }
  /** `code` is the API's error code, or null when the panel itself did not answer. */
  | { status: "error"; error: { code: string | null; message: string }; farm: TFarmView | null }
  | { status: "ok"; farm: TFarmView; live: boolean };

/**
 * Loads GET /api/farm and refetches whenever the server pushes an invalidation over socket.io.
 * At most one request is in flight; invalidations that arrive meanwhile cause one more fetch.
 */
export function useFarm(): FarmState {
  const [state, setState] = useState<FarmState>({ status: "loading" });
  const live = useRef(false);
  useEffect(() => {
    let inFlight = false;
    let again = false;
    let cancelled = false;
    let last: TFarmView | null = null;
    const load = async () => {
      if (inFlight) {
        again = true;
        return;
      }
      inFlight = true;
      try {
        const res = await apiFetch("/api/farm", { cache: "no-store" });
        const body = (await res.json()) as TFarmView | { error: { code: string; message: string } };
        if (cancelled) return;
        if ("error" in body) setState({ status: "error", error: body.error, farm: last });
        else {
          last = body;
          setState({ status: "ok", farm: body, live: live.current });
        }
      } catch (err) {
        if (!cancelled)
          setState({ status: "error", error: { code: null, message: String(err) }, farm: last });
      } finally {
        inFlight = false;
        if (again && !cancelled) {
          again = false;
          void load();
        }
      }
    };
    const socket = io({ transports: ["websocket"] });
    socket.on("connect", () => {
      live.current = true;
      void load();
    });
    socket.on("disconnect", () => {
      live.current = false;
      if (last) setState({ status: "ok", farm: last, live: false });
    });
    socket.on("farm:changed", () => void load());
    void load();
    return () => {
      cancelled = true;
      socket.close();
    };
  }, []);
  return state;
}
