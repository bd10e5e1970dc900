/**
 * Takes the README's picture of the explorer page: `node dist/scripts/screenshot.js <url> <out.png>
 * [--dark] [--full]` with the system's Chromium (Debian's /usr/bin/chromium or $CHROMIUM_PATH)
 * through playwright-core, which never downloads a browser. `--dark` asks for the dark theme
 * (prefers-color-scheme), `--full` takes the whole page rather than the first screen. Run it
 * against `npm run devnet`.
 */
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
const flags = new Set(args.filter((a) => a.startsWith('--')));
const [url, out] = args.filter((a) => !a.startsWith('--'));
if (!url || !out || [...flags].some((f) => f !== '--dark' && f !== '--full')) {
  console.error('usage: node dist/scripts/screenshot.js <url> <out.png> [--dark] [--full]');
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
});
try {
  const page = await browser.newPage({
    viewport: { width: 1280, height: 860 },
    deviceScaleFactor: 1,
    colorScheme: flags.has('--dark') ? 'dark' : 'light',
  });
  // The page keeps its push stream open, so "network idle" never comes: wait for the page's
  // content instead (the app replaces the loading state), then for fonts and images.
  await page.goto(url, { waitUntil: 'load' });
  await page.locator('#app > :not(noscript):not(.loading)').first().waitFor({ timeout: 30_000 });
  await page.evaluate('document.fonts.ready');
  await page.screenshot({ path: out, fullPage: flags.has('--full') });
  console.log(out);
} finally {
  await browser.close();
}
