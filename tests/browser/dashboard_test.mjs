// The dashboard in headless Chromium against a real berthd: sign-in, what a user may see and do,
// live updates from the event and log streams, the session cookie and CSRF.
// Usage: node dashboard_test.mjs BERTHD [--screenshot PNG] [--keep]
// Exits 77 (skipped) when playwright-core is not installed (`npm ci` in tests/browser).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Berthd, waitUntil } from './berthd.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const SKIP = 77;

function parseArgs(argv) {
  const args = { berthd: null, screenshot: null, keep: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--screenshot') args.screenshot = argv[++i];
    else if (argv[i] === '--keep') args.keep = true;
    else args.berthd = argv[i];
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
if (!args.berthd) {
  console.error('usage: dashboard_test.mjs BERTHD [--screenshot PNG] [--keep]');
  process.exit(2);
}
if (!existsSync(join(HERE, 'node_modules', 'playwright-core'))) {
  console.log('skipped: playwright-core is not installed (run npm ci in tests/browser)');
  process.exit(SKIP);
}
const { chromium } = await import('playwright-core');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const TIMEOUT = 15000;
// Passwords are hashed with 600,000 rounds of PBKDF2: a sanitizer build takes seconds per sign-in.
const SIGN_IN_TIMEOUT = 90000;
const ALICE = { name: 'alice', password: 'alice-password-1' };
const OPS = { name: 'ops', password: 'ops-password-1' };

// A process app run as root (no svc_ user to make) in a directory of the test's own.
function processApp(berthd, name, script, extra = {}) {
  const directory = join(berthd.root, 'apps', name);
  mkdirSync(directory, { recursive: true });
  return { name, kind: 'process', command: ['/bin/sh', '-c', script], user: 'root', directory,
    start_seconds: 0, ...extra };
}

// Prints a line for each file named `trigger` that appears in its directory: the test decides
// when a line is written, after the page has opened the log stream.
const ECHO_TRIGGER = 'echo "started $$"; while true; do if [ -f trigger ]; then cat trigger; ' +
    'rm -f trigger; fi; sleep 0.1; done';

async function setUp(berthd) {
  await berthd.api('POST', '/v1/apps', processApp(berthd, 'shop-api', ECHO_TRIGGER));
  await berthd.api('POST', '/v1/apps', processApp(berthd, 'shop-web', 'exec sleep 1000'));
  await berthd.api('POST', '/v1/apps', processApp(berthd, 'billing', 'exec sleep 1000',
      { health: { exec: ['true'], interval: 1 } }));
  await berthd.api('POST', '/v1/apps', processApp(berthd, 'reports', 'exec sleep 1000',
      { autostart: false }));
  for (const name of ['shop-api', 'shop-web', 'billing'])
    await berthd.waitForApp(name, (app) => app.status.state === 'running', `${name} running`);
}

// --- Steps ------------------------------------------------------------------------------------
const results = [];

async function step(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok - ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    results.push({ name, ok: false });
    console.log(`not ok - ${name}\n  ${String(error && error.stack || error).replace(/\n/g, '\n  ')}`);
    throw error;
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

async function textOf(page, selector) {
  return (await page.locator(selector).first().textContent()) || '';
}

async function waitForText(page, selector, pattern, timeout = TIMEOUT) {
  await waitUntil(async () => {
    const count = await page.locator(selector).count();
    if (count === 0) return false;
    const text = await textOf(page, selector);
    return typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text);
  }, `${selector} to show ${pattern}`, timeout);
}

async function signIn(page, user) {
  await page.locator('#sign-in-form input[name=name]').fill(user.name);
  await page.locator('#sign-in-form input[name=password]').fill(user.password);
  await page.locator('#sign-in-form button[type=submit]').click();
  await page.locator('#apps, #no-apps').first().waitFor({ timeout: SIGN_IN_TIMEOUT });
}

async function appNames(page) {
  return page.locator('#apps tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.app));
}

async function run(berthd, browser) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(SIGN_IN_TIMEOUT);
  const problems = [];
  page.on('pageerror', (error) => problems.push('page error: ' + error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/.test(message.text()))
      problems.push('console: ' + message.text());
  });
  const dashboard = berthd.url + '/dashboard';

  await step('the page loads and shows the sign-in form', async () => {
    const response = await page.goto(dashboard);
    assert(response.status() === 200, `GET /dashboard: ${response.status()}`);
    const policy = response.headers()['content-security-policy'] || '';
    assert(policy.includes("default-src 'self'"), `content-security-policy: ${policy}`);
    await page.locator('#sign-in-form').waitFor({ timeout: TIMEOUT });
    assert(await page.locator('#nav').isHidden(), 'the navigation shows before sign-in');
  });

  await step('users are made through the API with the admin token', async () => {
    await berthd.api('POST', '/v1/users', { ...ALICE,
      grants: [{ scope: 'app:shop-*', actions: ['view_logs', 'control'] }] }, 201);
    await berthd.api('POST', '/v1/users', { ...OPS,
      grants: [{ scope: 'global', actions: ['manage'] }] }, 201);
  });

  await step('a wrong password shows the API\'s message', async () => {
    await page.locator('#sign-in-form input[name=name]').fill(ALICE.name);
    await page.locator('#sign-in-form input[name=password]').fill('wrong');
    const answer = page.waitForResponse((r) => r.url().endsWith('/v1/session') &&
        r.request().method() === 'POST');
    await page.locator('#sign-in-form button[type=submit]').click();
    const refused = await answer;
    assert(refused.status() === 401, `a wrong password: ${refused.status()}`);
    await waitForText(page, '#sign-in-error', (await refused.json()).error.message, SIGN_IN_TIMEOUT);
  });

  await step('sign in; only the apps the user may view are listed', async () => {
    await signIn(page, ALICE);
    const names = await appNames(page);
    assert(JSON.stringify(names) === JSON.stringify(['shop-api', 'shop-web']),
        `alice sees ${JSON.stringify(names)}`);
    assert(await page.locator('[data-nav="users"]').isHidden(), 'alice sees the Users link');
    assert(await page.locator('[data-nav="audit"]').isHidden(), 'alice sees the Audit link');
    assert(await page.locator('a[href="#/apps/new"]').count() === 0, 'alice may create apps');
  });

  await step('the session cookie is HttpOnly and SameSite=Strict', async () => {
    const cookie = (await context.cookies()).find((c) => c.name === 'berth_session');
    assert(cookie, 'no berth_session cookie');
    assert(cookie.httpOnly, 'the session cookie is not HttpOnly');
    assert(cookie.sameSite === 'Strict', `the session cookie is SameSite=${cookie.sameSite}`);
    assert(!(await page.evaluate(() => document.cookie)).includes('berth_session'),
        'the page script can read the session cookie');
  });

  await step('a state change arrives live, without a reload', async () => {
    await page.evaluate(() => { window.berthTestMark = 'same page'; });
    await berthd.api('POST', '/v1/apps/shop-web/control', { command: 'stop' });
    await waitForText(page, 'tr[data-app="shop-web"] .state', 'stopped');
    assert(await page.evaluate(() => window.berthTestMark) === 'same page', 'the page reloaded');
    await berthd.api('POST', '/v1/apps/shop-web/control', { command: 'start' });
    await waitForText(page, 'tr[data-app="shop-web"] .state', 'running');
  });

  if (args.screenshot) {
    await step('screenshot of the app list, as alice sees it', async () => {
      await page.setViewportSize({ width: 1000, height: 250 });
      await page.screenshot({ path: args.screenshot });
      await page.setViewportSize({ width: 1200, height: 800 });
    });
  }

  await step('a log line written after the page opened arrives live', async () => {
    await page.locator('a[href="#/apps/shop-api"]').click();
    await waitForText(page, '#logs-status', 'live');
    await waitForText(page, '#logs', 'started');
    const marker = `written-after-open-${Date.now()}`;
    const directory = join(berthd.root, 'apps', 'shop-api');
    writeFileSync(join(directory, 'trigger.new'), marker + '\n');
    renameSync(join(directory, 'trigger.new'), join(directory, 'trigger'));
    await waitForText(page, '#logs', marker);
  });

  await step('a write without the X-CSRF-Token header is refused', async () => {
    const answer = await page.evaluate(async () => {
      const response = await fetch('/v1/apps/shop-web/control', {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ command: 'stop' }),
      });
      return { status: response.status, body: await response.json() };
    });
    assert(answer.status === 403, `without the header: ${JSON.stringify(answer)}`);
    assert(/X-CSRF-Token/.test(answer.body.error.message), `message: ${answer.body.error.message}`);
    const app = await berthd.app('shop-web');
    assert(app.status.state === 'running', `shop-web was stopped anyway: ${app.status.state}`);
  });

  await step('restart from the app page: the app restarts', async () => {
    const before = await berthd.app('shop-api');
    const oldPid = before.status.pid;
    await waitForText(page, '[data-fact="pid"] dd', String(oldPid));
    await page.locator('#controls button[data-command="restart"]').click();
    await berthd.waitForApp('shop-api',
        (app) => app.status.state === 'running' && app.status.pid && app.status.pid !== oldPid,
        'shop-api to run with a new pid');
    const now = await berthd.app('shop-api');
    await waitForText(page, '[data-fact="pid"] dd', String(now.status.pid));
    await waitForText(page, '[data-fact="state"] dd', 'running');
    await waitForText(page, '#logs', `started ${now.status.pid}`);
  });

  await step('what the user may not do is not offered', async () => {
    assert(await page.locator('#controls button[data-command="delete"]').count() === 0,
        'alice is offered Delete');
    assert(await page.locator('#env-save').count() === 0, 'alice is offered to save env');
  });

  await step('a refused action shows the API\'s message', async () => {
    // The grant goes while the page is open: the button is still there, the API refuses.
    await berthd.api('PATCH', '/v1/users/alice',
        { grants: [{ scope: 'app:shop-*', actions: ['view_logs'] }] });
    const answer = page.waitForResponse((r) => r.url().endsWith('/v1/apps/shop-api/control'));
    await page.locator('#controls button[data-command="stop"]').click();
    const refused = await answer;
    assert(refused.status() === 403, `stop without control: ${refused.status()}`);
    const expected = (await refused.json()).error.message;
    assert(/control/.test(expected), `the API's message: ${expected}`);
    await waitForText(page, '#error-text', expected);
    assert((await berthd.app('shop-api')).status.state === 'running', 'shop-api was stopped');
  });

  await step('a 401 leads back to the sign-in form', async () => {
    await context.clearCookies();
    await page.locator('a[data-nav="apps"]').click();
    await page.locator('a[href="#/apps/shop-web"]').click();
    await page.locator('#sign-in-form').waitFor({ timeout: TIMEOUT });
  });

  await step('a user manager sees users and the audit trail', async () => {
    await page.evaluate(() => { location.hash = '#/apps'; });
    await signIn(page, OPS);
    const names = await appNames(page);
    assert(names.length === 4, `ops sees ${JSON.stringify(names)}`);
    await waitForText(page, 'tr[data-app="billing"] .health', 'healthy');
    await page.locator('a[data-nav="users"]').click();
    await waitForText(page, '#users', 'alice');
    // The audit trail holds alice's refused stop (where this berthd keeps one).
    if ((await berthd.request('GET', '/v1/audit')).status === 404) {
      console.log('  (no GET /v1/audit in this berthd: the audit page is not checked)');
      return;
    }
    await page.locator('a[data-nav="audit"]').click();
    await waitForText(page, '#audit', 'refused');
  });

  await step('create an app with the form, then edit its env and a secret', async () => {
    await page.evaluate(() => { location.hash = '#/apps/new'; });
    const definition = processApp(berthd, 'notes', 'exec sleep 1000',
        { autostart: false, env: { A: '1' } });
    await page.locator('#new-app details summary').click();
    await page.locator('#new-app textarea[name=json]').fill(JSON.stringify(definition));
    await page.locator('#new-app button[type=submit]').click();
    await page.locator('#env').waitFor({ timeout: TIMEOUT });
    assert((await berthd.app('notes')).env.A === '1', 'notes was not made as the form said');
    await page.locator('#env-rows .row.env .value').first().fill('2');
    await page.locator('#env button', { hasText: 'Add secret' }).click();
    await page.locator('#secret-rows .row.secret .key').last().fill('TOKEN');
    await page.locator('#secret-rows .row.secret .value').last().fill('s3cret-value');
    await page.locator('#env-save').click();
    await waitUntil(async () => (await berthd.app('notes')).env.A === '2', 'env A to be 2');
    const app = await berthd.app('notes');
    assert(app.secrets.TOKEN === '***', `secrets: ${JSON.stringify(app.secrets)}`);
    // Write-only: the page shows the secret's name, never its value.
    await waitUntil(async () => (await page.locator('#secret-rows [data-known="TOKEN"]').count()) === 1,
        'the secret TOKEN to be listed');
    assert(!(await page.content()).includes('s3cret-value'), 'the secret value is in the page');
  });

  await step('an app from git: its deployments, a deployment\'s log, a redeploy', async () => {
    const repo = join(berthd.root, 'repo');
    const commit = (text) => {
      writeFileSync(join(repo, 'run.sh'), `echo ${text}; exec sleep 1000\n`);
      execFileSync('git', ['-C', repo, 'add', '-A']);
      execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', text]);
    };
    mkdirSync(repo);
    execFileSync('git', ['init', '-q', '--initial-branch=main', repo]);
    commit('v1');
    await berthd.api('POST', '/v1/apps', { name: 'site', kind: 'process', user: 'root',
      command: 'exec sh run.sh', start_seconds: 0,
      source: { git: { url: 'file://' + repo, ref: 'main' } } }, 201);
    await berthd.waitForApp('site', (app) => app.status.state === 'running', 'site running');
    await page.evaluate(() => { location.hash = '#/apps/site'; });
    const rows = page.locator('#deployments tbody tr[data-id]');
    await rows.first().waitFor({ timeout: TIMEOUT });
    await rows.first().locator('button', { hasText: 'Log' }).click();
    await waitForText(page, '#deployment-log', /# deployment 1 \(succeeded\)/);
    commit('v2');
    await page.locator('button[data-command="redeploy"]').click();
    // The deploy event brings the new deployment into the list, without a reload.
    await waitUntil(async () => (await rows.count()) === 2, 'a second deployment listed');
    await waitUntil(async () => (await textOf(page, '#deployments tbody tr[data-id]')).includes('succeeded'),
        'the redeploy to succeed');
    await waitForText(page, '#logs', 'v2');
  });

  await step('the app list fits a 375 px phone screen', async () => {
    await page.locator('a[data-nav="apps"]').click();
    await page.setViewportSize({ width: 375, height: 740 });
    await page.locator('#apps').waitFor({ timeout: TIMEOUT });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert(width <= 375, `the page is ${width} px wide`);
    await page.setViewportSize({ width: 1200, height: 800 });
  });

  await step('no script errors and no Content-Security-Policy violations', async () => {
    assert(problems.length === 0, problems.join('\n'));
  });
}

let berthd = null;
let browser = null;
let failed = false;
try {
  berthd = await new Berthd(args.berthd, { keep: args.keep }).start();
  await setUp(berthd);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  await run(berthd, browser);
} catch (error) {
  failed = true;
  if (!results.some((r) => !r.ok)) console.log(`not ok - set up\n  ${error && error.stack || error}`);
  if (berthd) console.log('berthd log (tail):\n' + berthd.logTail());
} finally {
  if (browser) await browser.close();
  if (berthd) await berthd.stop();
  if (args.keep && berthd) console.log(`kept ${berthd.root}`);
}
const passed = results.filter((r) => r.ok).length;
console.log(`${passed} passed, ${results.length - passed + (failed && results.every((r) => r.ok) ? 1 : 0)} failed`);
process.exit(failed ? 1 : 0);
