import type { Metadata, Viewport } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import "./globals.css";
import "./accounts.css";

export const metadata: Metadata = {
  title: { default: "rmap course: anon_vma and reverse mapping", template: "%s · rmap course" },
  description:
    "An interactive course on how Linux finds the page tables that map an anonymous page, told through five LKML threads from 2004 to 2024.",
};

export const viewport: Viewport = {
  colorScheme: "light dark",
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#ffffff" },
    { media: "(prefers-color-scheme: dark)", color: "#11151c" },
  ],
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <header className="site-header">
          <Link href="/" className="site-name">
            rmap course
          </Link>
          <nav aria-label="Site">
            <ul>
              <li>
                <Link href="/">Lessons</Link>
              </li>
              <li>
                <Link href="/glossary">Glossary</Link>
              </li>
              <li>
                <Link href="/about">About</Link>
              </li>
              <li>
                <Link href="/dashboard">Your progress</Link>
              </li>
            </ul>
          </nav>
        </header>
        <main id="main" tabIndex={-1}>
          {children}
        </main>
        <footer className="site-footer">
          <p>
            The course text and code are MIT-licensed. Quotations from the linux-kernel and linux-mm lists are short and link to
            their archives; kernel excerpts are from GPL-2.0 sources, attributed where shown. <Link href="/about">Sources and licences</Link>.
          </p>
        </footer>
      </body>
    </html>
  );
}
