/*
 * Debian's chromium driven by playwright-core, for the browser tests and the
 * site benchmark. No browser is ever downloaded: a missing /usr/bin/chromium
 * is an error that says how to install it.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no browser at ${CHROMIUM}: the browser tests drive Debian's chromium. Install it with\n` +
        "  apt-get update && apt-get install -y --no-install-recommends chromium fonts-liberation\n" +
        "(or set CHROMIUM_PATH). No browser is downloaded by the tests.",
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
}
