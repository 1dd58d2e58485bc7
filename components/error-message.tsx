import { useTranslations } from "next-intl";
import { isErrorCode } from "@/lib/errors/codes";

/**
 * An error as the reader's language says it (from its code), followed by the evidence as the host or tool
 * printed it (English, marked so: it is quoted, not translated).
 */
export function ErrorMessage({ error }: { error: { code: string | null; message: string } }) {
  const t = useTranslations("errors");
  // The evidence can be a whole stderr; its first line names the command and the failure.
  const firstLine = error.message.split("\n", 1)[0] ?? "";
  const evidence =
    firstLine.length > 300 || firstLine !== error.message ? `${firstLine.slice(0, 300)} …` : firstLine;
  const text =
    error.code === null
      ? null
      : isErrorCode(error.code)
        ? t(error.code)
        : t("unknownCode", { code: error.code });
  return (
    <>
      {text}
      {evidence && (
        <>
          {" "}
          <q translate="no" lang="en" data-evidence className="font-mono text-xs break-all">
            {evidence}
          </q>
        </>
      )}
    </>
  );
}

/** A refused request under a form, in the reader's language. */
export function Failure({
  error,
  testId,
}: {
  error: { code: string | null; message: string } | null;
  testId: string;
}) {
  if (!error) return null;
  return (
    <p role="alert" data-testid={testId} className="text-sm text-red-700">
      <ErrorMessage error={error} />
    </p>
  );
}
