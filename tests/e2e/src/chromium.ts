import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

const CHROMIUM = "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export type Chromium = { path: string } | { skip: string };

/**
 * Debian's Chromium, installed with apt-get when it is missing (playwright's own browser download cannot work here).
 * Only where that is impossible — not root, no apt-get, apt-get failing — the browser test is skipped, saying why.
 */
export function debianChromium(): Chromium {
  if (existsSync(CHROMIUM)) return { path: CHROMIUM };
  if (process.getuid?.() !== 0) return { skip: `${CHROMIUM} is missing and installing it needs root: sudo apt-get install -y chromium` };
  if (!existsSync("/usr/bin/apt-get")) return { skip: `${CHROMIUM} is missing and there is no apt-get to install it with` };
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    console.log("installing Debian's chromium for the browser test (apt-get, once per machine)");
    execFileSync("apt-get", ["update", "-qq"], { env, stdio: "inherit", timeout: 180_000 });
    execFileSync("apt-get", ["install", "-y", "-qq", "chromium"], { env, stdio: "inherit", timeout: 600_000 });
  } catch (error) {
    return { skip: `apt-get could not install chromium: ${(error as Error).message.split("\n")[0]}` };
  }
  return existsSync(CHROMIUM) ? { path: CHROMIUM } : { skip: `apt-get ran but ${CHROMIUM} is still missing` };
}
