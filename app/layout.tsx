import type { Metadata } from "next";
import { NextIntlClientProvider } from "next-intl";
import { getLocale, getTranslations } from "next-intl/server";
import { StepUpDialog } from "@/components/step-up-dialog";
import "./globals.css";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("meta");
  return { title: t("title"), description: t("description") };
}

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  const locale = await getLocale();
  return (
    <html lang={locale}>
      <body className="min-h-screen">
        {/* Passes the request's locale, messages and time zone on to client components. */}
        <NextIntlClientProvider>
          {children}
          <StepUpDialog />
        </NextIntlClientProvider>
      </body>
    </html>
  );
}
