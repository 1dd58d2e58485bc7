import type { Metadata } from "next";
import "./globals.css";

export const metadata: Metadata = {
  title: "Tandem",
  description: "Control panel for two-node DRBD + Xen/KVM farms",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen">{children}</body>
    </html>
  );
}
