import type { ReactNode } from "react";
import { LanguageSwitcher } from "./language-switcher";
import { UserMenu } from "./user-menu";

/** The header of a page below the dashboard: its title (when it has one yet), links back, the language. */
export function PageHeader({
  title,
  links,
}: {
  title?: ReactNode;
  links: Array<{ href: string; label: string }>;
}) {
  return (
    <header className="mb-4 flex flex-wrap items-baseline justify-between gap-2">
      {title !== undefined && <h1 className="text-xl font-semibold">{title}</h1>}
      <nav className="flex gap-4 text-sm">
        {links.map((l) => (
          <a key={l.href} href={l.href} className="underline">
            {l.label}
          </a>
        ))}
        <UserMenu />
        <LanguageSwitcher />
      </nav>
    </header>
  );
}
