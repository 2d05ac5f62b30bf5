// Loads berthd's dashboard LOADS times (after one load not counted) in headless Chromium, each in
// a fresh context (empty cache), and prints JSON: the first-contentful-paint of each load, and, with a user's name and
// password, how long each signed-in load took until the app list showed.
// Usage: node dashboard_paint.mjs URL LOADS [USER PASSWORD]
const playwright = new URL('../tests/browser/node_modules/playwright-core/index.mjs', import.meta.url);
const { chromium } = await import(playwright.href);

const [url, loadsText, user, password] = process.argv.slice(2);
const loads = Number(loadsText || 5);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true });

async function firstPaint() {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const page = await context.newPage();
  await page.goto(url + '/dashboard', { waitUntil: 'load' });
  const fcp = await page.evaluate(() => new Promise((resolve) => {
    const find = () => performance.getEntriesByType('paint')
        .find((entry) => entry.name === 'first-contentful-paint');
    const entry = find();
    if (entry) return resolve(entry.startTime);
    new PerformanceObserver(() => { if (find()) resolve(find().startTime); })
        .observe({ type: 'paint', buffered: true });
  }));
  const files = await page.evaluate(() => [performance.getEntriesByType('navigation')[0],
    ...performance.getEntriesByType('resource')]
      .filter((entry) => new URL(entry.name).pathname.startsWith('/dashboard'))
      .map((entry) => ({ path: new URL(entry.name).pathname, bytes: entry.decodedBodySize })));
  await context.close();
  return { fcp, files };
}

// From navigation start until the signed-in app list is on screen.
async function signedInList() {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const response = await context.request.post(url + '/v1/session', { data: { name: user, password } });
  if (!response.ok()) throw new Error(`sign-in: ${response.status()} ${await response.text()}`);
  const page = await context.newPage();
  await page.goto(url + '/dashboard', { waitUntil: 'commit' });
  await page.locator('#apps tbody tr').first().waitFor({ timeout: 10000 });
  const ms = await page.evaluate(() => performance.now());
  await context.close();
  return ms;
}

const result = { fcp_ms: [], files: [], list_ms: [] };
try {
  await firstPaint();  // Chromium's own start-up work (fonts, caches) is not the page's
  for (let i = 0; i < loads; i++) {
    const load = await firstPaint();
    result.fcp_ms.push(load.fcp);
    result.files = load.files;
  }
  if (user) for (let i = 0; i < loads; i++) result.list_ms.push(await signedInList());
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
