/**
 * Takes the README's picture of the explorer page: `node dist/scripts/screenshot.js <url> <out.png>`
 * with the system's Chromium (Debian's /usr/bin/chromium or $CHROMIUM_PATH) through
 * playwright-core, which never downloads a browser. Run it against `npm run devnet`.
 */
import { chromium } from 'playwright-core';

const [url, out] = process.argv.slice(2);
if (!url || !out) {
  console.error('usage: node dist/scripts/screenshot.js <url> <out.png>');
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
  await page.goto(url, { waitUntil: 'networkidle' });
  await page.screenshot({ path: out });
  console.log(out);
} finally {
  await browser.close();
}
