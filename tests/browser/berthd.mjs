// A real berthd for the browser test and the dashboard bench: a temp state dir, port 0 (read
// from <state>/run/listeners), the admin token in BERTH_ADMIN_TOKEN, and a small API client.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Polls `probe` every `interval` ms until it returns a truthy value; throws after `timeout` ms
// naming `what`.
export async function waitUntil(probe, what, timeout = 10000, interval = 50) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (last) return last;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${last})`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

export class Berthd {
  constructor(binary, { keep = false } = {}) {
    this.binary = binary;
    this.keep = keep;
    this.root = mkdtempSync(join(tmpdir(), 'berth-browser-'));
    this.state = join(this.root, 'state');
    this.config = join(this.root, 'config');
    this.logPath = join(this.root, 'berthd.log');
    this.token = randomBytes(16).toString('hex');
    this.child = null;
    this.exited = null;
  }

  async start() {
    mkdirSync(join(this.config, 'apps.d'), { recursive: true });
    mkdirSync(this.state, { recursive: true });
    const log = openSync(this.logPath, 'a');
    this.child = spawn(this.binary, ['--state-dir', this.state, '--config-dir', this.config,
      '--listen', '127.0.0.1:0'], {
      env: { ...process.env, BERTH_ADMIN_TOKEN: this.token },
      stdio: ['ignore', log, log],
    });
    this.child.on('exit', (code, signal) => { this.exited = { code, signal }; });
    this.port = await waitUntil(() => {
      if (this.exited) throw new Error(`berthd exited (${JSON.stringify(this.exited)}): ${this.logTail()}`);
      return this.listenerPort();
    }, 'berthd to write run/listeners');
    this.url = `http://127.0.0.1:${this.port}`;
    await waitUntil(async () => (await fetch(this.url + '/up')).ok, 'berthd to answer GET /up');
    return this;
  }

  listenerPort() {
    let text;
    try {
      text = readFileSync(join(this.state, 'run', 'listeners'), 'utf8');
    } catch (_) {
      return null;
    }
    for (const line of text.split('\n').map((l) => l.trim())) {
      if (!line || line.startsWith('unix:')) continue;
      const port = Number(line.slice(line.lastIndexOf(':') + 1));
      if (port > 0) return port;
    }
    return null;
  }

  logTail(bytes = 3000) {
    try {
      const text = readFileSync(this.logPath, 'utf8');
      return text.slice(-bytes);
    } catch (_) {
      return '';
    }
  }

  // One API request; {status, headers, json, text}. `auth`: a bearer token (the admin's by
  // default), or null for none; `headers` adds more.
  async request(method, path, body, { auth = this.token, headers = {} } = {}) {
    const init = { method, headers: { ...headers } };
    if (auth) init.headers.Authorization = 'Bearer ' + auth;
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const response = await fetch(this.url + path, init);
    const text = await response.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch (_) { json = null; }
    return { status: response.status, headers: response.headers, json, text };
  }

  // A request that must answer `expect` (a status or a list of them); returns the JSON.
  async api(method, path, body, expect = [200, 201, 202, 204]) {
    const response = await this.request(method, path, body);
    const allowed = Array.isArray(expect) ? expect : [expect];
    if (!allowed.includes(response.status))
      throw new Error(`${method} ${path}: ${response.status} ${response.text}`);
    return response.json;
  }

  async app(name) {
    return this.api('GET', '/v1/apps/' + name);
  }

  async waitForApp(name, match, what, timeout = 10000) {
    return waitUntil(async () => {
      const app = await this.app(name);
      return match(app) ? app : null;
    }, what || `app ${name}`, timeout);
  }

  async stop() {
    if (this.child && !this.exited) {
      this.child.kill('SIGTERM');
      try {
        await waitUntil(() => this.exited, 'berthd to exit', 30000);
      } catch (_) {
        this.child.kill('SIGKILL');
      }
    }
    if (!this.keep) rmSync(this.root, { recursive: true, force: true });
  }
}
