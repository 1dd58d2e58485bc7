/**
 * Ships each audit entry off the box as it is made: RFC 5424 over UDP to the syslog server named in the audit
 * settings (facility 13, "log audit"; refusals at warning, the rest at info). The message is the entry as one JSON
 * line, so nothing in it can forge another line. UDP never blocks the panel; a lost datagram is the price.
 */
import dgram from "node:dgram";
import os from "node:os";
import { z } from "zod";
import type { Db } from "../db";
import { auditLine, type AuditLog, type AuditRecord } from "./log";
import { readSetting } from "../monitor/settings";

export const ZAuditSettings = z
  .object({
    syslog: z
      .object({
        host: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9.-]{0,252}$/, "must be a host name or IPv4 address"),
        port: z.number().int().min(1, "must be a port (1-65535)").max(65535, "must be a port (1-65535)"),
      })
      .strict()
      .nullable(),
  })
  .strict();
export type TAuditSettings = z.infer<typeof ZAuditSettings>;
export const AUDIT_SETTINGS_KEY = "audit";
export const DEFAULT_AUDIT_SETTINGS: TAuditSettings = { syslog: null };

export function syslogMessage(entry: AuditRecord, hostname = os.hostname()): string {
  const pri = 13 * 8 + (entry.result === "ok" ? 6 : 4);
  const host = hostname.replace(/[^\x21-\x7e]/g, "").slice(0, 255) || "-";
  return `<${pri}>1 ${entry.at.toISOString()} ${host} tandem - audit - ${auditLine(entry)}`;
}

/** Starts forwarding; the settings are read again at most every 5 s. */
export function forwardAuditToSyslog(audit: AuditLog, db: Db, log: (m: string) => void): () => void {
  const socket = dgram.createSocket("udp4");
  socket.on("error", (err) => log(`audit: syslog: ${err.message}`));
  socket.unref();
  let settings: TAuditSettings = DEFAULT_AUDIT_SETTINGS;
  let readAt = 0;
  const current = async () => {
    if (Date.now() - readAt > 5000) {
      settings = await readSetting(db, AUDIT_SETTINGS_KEY, ZAuditSettings, DEFAULT_AUDIT_SETTINGS);
      readAt = Date.now();
    }
    return settings;
  };
  const stop = audit.onAppend((entry) => {
    void current().then((s) => {
      if (!s.syslog) return;
      socket.send(syslogMessage(entry), s.syslog.port, s.syslog.host, (err) => {
        if (err) log(`audit: syslog to ${s.syslog?.host}:${s.syslog?.port}: ${err.message}`);
      });
    });
  });
  return () => {
    stop();
    socket.close();
  };
}
