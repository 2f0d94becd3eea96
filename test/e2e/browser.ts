/**
 * Headless Chromium for the console's browser tests: the system's Chromium (Debian's `chromium`
 * package, which .ci/run installs when missing) driven by playwright-core, which downloads nothing.
 * PROMPTOPS_CHROMIUM points at another binary.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium'];

export function chromiumPath(): string {
  const configured = process.env.PROMPTOPS_CHROMIUM;
  if (configured) return configured;
  const found = CANDIDATES.find((candidate) => existsSync(candidate));
  if (!found)
    throw new Error(
      `No Chromium for the console's browser tests (looked at ${CANDIDATES.join(', ')}): install Debian's chromium package (apt-get install chromium) or set PROMPTOPS_CHROMIUM`,
    );
  return found;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    // Containers often lack a usable sandbox and a big /dev/shm.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}

/** Where CI keeps the screenshots as artifacts (test-results/ is ignored by git). */
export const SCREENSHOTS = fileURLToPath(new URL('../../test-results/console/', import.meta.url));

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}

/** Errors the page threw or logged: a test fails on them. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    // A refused API call is logged by Chromium as a failed resource load; the page shows it itself.
    if (message.type() === 'error' && !/Failed to load resource/.test(message.text()))
      errors.push(message.text());
  });
  return errors;
}
