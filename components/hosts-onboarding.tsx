"use client";

import { useTranslations } from "next-intl";
import { useCallback, useEffect, useState } from "react";
import { apiError, apiFetch, sendJson, type ApiError } from "./api-fetch";
import { Failure } from "./error-message";
import { FarmSource } from "./farm-source";
import { PageHeader } from "./page-header";

type Lines = { authorizedKeysLine: string; bootstrapLine: string };
type Host = {
  name: string;
  address: string;
  port: number;
  user: string;
  status: "scanned" | "pinned" | "ready" | "key-changed";
  presented: { algorithm: string; fingerprint: string };
  pinned: { algorithm: string; fingerprint: string } | null;
  lastTestResult: string | null;
};

/** The command that prints a host key's fingerprint on the host (a command, not a sentence: never translated). */
const fingerprintCommand = (algorithm: string) =>
  ["ssh-keygen", "-lf", `/etc/ssh/ssh_host_${algorithm.replace(/^ssh-|-sha2-nistp\d+$/g, "")}_key.pub`].join(
    " ",
  );
const DEFAULT_KEYS_PATH = [".ssh", "authorized_keys"].join("/");
const FINGERPRINT_PLACEHOLDER = ["SHA256", "…"].join(":");

const input = "rounded border border-slate-300 px-2 py-1";
const button = "rounded border border-slate-400 px-3 py-1 text-sm disabled:opacity-50";

/**
 * Administrators: add a host by address. The panel reads the key the host presents; the administrator compares
 * its fingerprint with the host's console and types it; the panel pins it, makes its key pair for the host and
 * shows the authorized_keys line; then tests the connection. A host whose key changed is refused until re-pinned.
 */
export function HostsOnboarding() {
  const t = useTranslations("hosts");
  const [hosts, setHosts] = useState<Host[]>([]);
  const [form, setForm] = useState({ name: "", address: "", port: "22", user: "root" });
  const [error, setError] = useState<ApiError | null>(null);
  const [lines, setLines] = useState<Record<string, Lines>>({});
  const [loads, setLoads] = useState(0);
  const load = useCallback(() => {
    void apiFetch("/api/onboarding", { cache: "no-store" }).then(async (r) => {
      if (!r.ok) return setError(await apiError(r));
      setHosts(((await r.json()) as { hosts: Host[] }).hosts);
      setLoads((n) => n + 1);
    });
  }, []);
  useEffect(load, [load]);

  return (
    <main className="mx-auto max-w-5xl p-4 sm:p-6">
      <PageHeader title={t("title")} links={[{ href: "/", label: t("backToFarm") }]} />
      <p className="mb-4 text-sm text-slate-600">{t("intro")}</p>
      <FarmSource refreshKey={loads} />
      <form
        className="mb-6 flex flex-wrap items-end gap-2 rounded border border-slate-200 bg-white p-4 text-sm"
        onSubmit={(e) => {
          e.preventDefault();
          setError(null);
          void sendJson("POST", "/api/onboarding", { ...form, port: Number(form.port) }).then(async (r) => {
            if (!r.ok) return setError(await apiError(r));
            load();
          });
        }}
      >
        <label>
          {t("name")}{" "}
          <input
            className={input}
            data-testid="host-name"
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.target.value })}
          />
        </label>
        <label>
          {t("address")}{" "}
          <input
            className={input}
            data-testid="host-address"
            value={form.address}
            onChange={(e) => setForm({ ...form, address: e.target.value })}
          />
        </label>
        <label>
          {t("port")}{" "}
          <input
            className={`${input} w-20`}
            data-testid="host-port"
            inputMode="numeric"
            value={form.port}
            onChange={(e) => setForm({ ...form, port: e.target.value })}
          />
        </label>
        <label>
          {t("user")}{" "}
          <input
            className={`${input} w-24`}
            data-testid="host-user"
            value={form.user}
            onChange={(e) => setForm({ ...form, user: e.target.value })}
          />
        </label>
        <button type="submit" className={button} data-testid="host-scan">
          {t("scan")}
        </button>
      </form>
      <Failure error={error} testId="hosts-error" />
      {hosts.map((h) => (
        <HostCard
          key={h.name}
          host={h}
          line={lines[h.name] ?? null}
          onLine={(l) => setLines({ ...lines, [h.name]: l })}
          onChange={load}
          onError={setError}
        />
      ))}
    </main>
  );
}

function HostCard(props: {
  host: Host;
  line: Lines | null;
  onLine: (lines: Lines) => void;
  onChange: () => void;
  onError: (e: ApiError | null) => void;
}) {
  const t = useTranslations("hosts");
  const h = props.host;
  const [typed, setTyped] = useState("");
  const [keysPath, setKeysPath] = useState(DEFAULT_KEYS_PATH);
  const needsPin = h.status === "scanned" || h.status === "key-changed";
  const call = (p: Promise<Response>, then?: (body: unknown) => void) =>
    void p.then(async (r) => {
      props.onError(r.ok ? null : await apiError(r));
      if (r.ok) then?.(await r.json());
      props.onChange();
    });
  const base = `/api/onboarding/${encodeURIComponent(h.name)}`;
  return (
    <section
      className="mb-4 rounded border border-slate-200 bg-white p-4 text-sm"
      data-testid={`onboard-${h.name}`}
    >
      <h2 className="mb-1 font-semibold">
        <span translate="no">{h.name}</span>{" "}
        <span className="font-normal text-slate-500" translate="no">
          {h.user}@{h.address}:{h.port}
        </span>{" "}
        <span
          data-testid={`onboard-${h.name}-status`}
          className={h.status === "key-changed" ? "font-medium text-red-700" : ""}
        >
          {t(`status.${h.status}`)}
        </span>
      </h2>
      {h.status === "key-changed" && <p className="mb-2 text-red-700">{t("keyChanged")}</p>}
      <p>
        {t("presented")}{" "}
        <code translate="no" data-testid={`onboard-${h.name}-presented`}>
          {h.presented.algorithm} {h.presented.fingerprint}
        </code>
      </p>
      {h.pinned && (
        <p>
          {t("pinned")}{" "}
          <code translate="no">
            {h.pinned.algorithm} {h.pinned.fingerprint}
          </code>
        </p>
      )}
      {needsPin && (
        <div className="mt-2 flex flex-wrap items-end gap-2">
          <p className="w-full text-slate-600">{t("compare")}</p>
          <code translate="no" className="w-full text-xs">
            {fingerprintCommand(h.presented.algorithm)}
          </code>
          <input
            className={`${input} w-[32rem]`}
            data-testid={`onboard-${h.name}-fingerprint`}
            placeholder={FINGERPRINT_PLACEHOLDER}
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
          />
          <button
            type="button"
            className={button}
            data-testid={`onboard-${h.name}-pin`}
            onClick={() =>
              call(sendJson("POST", `${base}/pin`, { fingerprint: typed }), (b) => props.onLine(b as Lines))
            }
          >
            {t("pin")}
          </button>
        </div>
      )}
      {props.line && (
        <div className="mt-2">
          <p className="text-slate-600">{t("authorizedKeys")}</p>
          <KeyLine testId={`onboard-${h.name}-line`} line={props.line.authorizedKeysLine} />
          <p className="mt-2 text-slate-600">{t("bootstrap")}</p>
          <KeyLine testId={`onboard-${h.name}-bootstrap`} line={props.line.bootstrapLine} />
          <div className="mt-1 flex items-end gap-2">
            <label>
              {t("authorizedKeysPath")}{" "}
              <input
                className={`${input} w-80`}
                data-testid={`onboard-${h.name}-keys-path`}
                value={keysPath}
                onChange={(e) => setKeysPath(e.target.value)}
                translate="no"
              />
            </label>
            <button
              type="button"
              className={button}
              data-testid={`onboard-${h.name}-install`}
              onClick={() => call(sendJson("POST", `${base}/install`, { authorizedKeysPath: keysPath }))}
            >
              {t("install")}
            </button>
          </div>
        </div>
      )}
      <div className="mt-2 flex gap-2">
        {h.pinned && (
          <button
            type="button"
            className={button}
            data-testid={`onboard-${h.name}-test`}
            onClick={() => call(apiFetch(`${base}/test`, { method: "POST" }))}
          >
            {t("test")}
          </button>
        )}
        {h.pinned && (
          <button
            type="button"
            className={button}
            data-testid={`onboard-${h.name}-rescan`}
            onClick={() => call(apiFetch(`${base}/rescan`, { method: "POST" }))}
          >
            {t("rescan")}
          </button>
        )}
        {h.lastTestResult && (
          <span
            translate="no"
            lang="en"
            className="self-center text-xs text-slate-600"
            data-testid={`onboard-${h.name}-result`}
          >
            {h.lastTestResult}
          </span>
        )}
      </div>
    </section>
  );
}

/** An authorized_keys line to copy onto the host, as it is (never translated, wrapped anywhere). */
function KeyLine({ testId, line }: { testId: string; line: string }) {
  return (
    <pre
      translate="no"
      data-testid={testId}
      className="overflow-x-auto rounded bg-slate-50 p-2 text-xs break-all whitespace-pre-wrap"
    >
      {line}
    </pre>
  );
}
