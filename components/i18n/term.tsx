import { useTranslations } from "next-intl";

/** The catalogue groups that explain a tool's own words. */
export type TermKind = "role" | "disk" | "connection" | "replication" | "vmState" | "hypervisor";

/**
 * A DRBD or hypervisor word exactly as the tools print it (so the screen matches the command line), with a
 * localized explanation on hover and for screen readers. `translate="no"` and `lang="en"` mark it as not to be
 * translated; a value the catalogue does not know is shown the same way, without an explanation.
 */
export function Term({
  kind,
  value,
  className,
  testId,
}: {
  kind: TermKind;
  value: string;
  className?: string;
  testId?: string;
}) {
  const t = useTranslations(`terms.${kind}`);
  const key = value as Parameters<typeof t>[0];
  const help = t.has(key) ? t(key) : undefined;
  return (
    <abbr
      translate="no"
      lang="en"
      title={help}
      data-term={kind}
      data-testid={testId}
      className={`no-underline ${help ? "cursor-help decoration-dotted hover:underline" : ""} ${className ?? ""}`}
    >
      {value}
    </abbr>
  );
}

/** A name that is data (host, VM, resource, device path): shown as is, never translated. */
export function Name({ children, className }: { children: string; className?: string }) {
  return (
    <span translate="no" className={className}>
      {children}
    </span>
  );
}
