import createNextIntlPlugin from "next-intl/plugin";

/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native or stream-heavy modules stay outside Next's bundles; the custom server (server.ts) owns them.
  serverExternalPackages: [
    "ssh2",
    "better-sqlite3",
    "@prisma/client",
    "@prisma/adapter-better-sqlite3",
    "socket.io",
  ],
  poweredByHeader: false,
  // `npm run typecheck` checks the whole project (strict); checking again inside `next build` only costs time.
  typescript: { ignoreBuildErrors: true },
  reactStrictMode: true,
};

// Locale, messages and time zone per request come from i18n/request.ts (no locale in the URL).
export default createNextIntlPlugin("./i18n/request.ts")(nextConfig);
