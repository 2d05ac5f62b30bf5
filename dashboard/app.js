// berth's dashboard: a single page that signs in with a session cookie and drives the HTTP API
// (docs/api.md). No framework and no build step; every view is built with the DOM, never HTML.
'use strict';

(() => {
  // --- State -------------------------------------------------------------------------------
  const state = {
    session: null,      // GET /v1/session's answer while signed in
    apps: new Map(),    // name -> app, as GET /v1/apps shows it
    events: null,       // the EventSource of /v1/events
    view: null,         // {dispose()} of the view on screen
  };
  const listeners = new Set();  // views told of each event: fn(type, data)

  // --- DOM ---------------------------------------------------------------------------------
  const $ = (selector, root = document) => root.querySelector(selector);

  // h('tr', {class: 'x', dataset: {app: 'web'}, onclick: fn}, child, 'text', ...)
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') el.className = value;
      else if (key === 'dataset') Object.assign(el.dataset, value);
      else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
      else if (key in el && typeof value !== 'string') el[key] = value;
      else el.setAttribute(key, value === true ? '' : value);
    }
    append(el, children);
    return el;
  }

  function append(el, children) {
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      el.append(child instanceof Node ? child : String(child));
    }
    return el;
  }

  function clear(el) {
    while (el.firstChild) el.firstChild.remove();
    return el;
  }

  function button(text, onclick, props = {}) {
    return h('button', {type: 'button', ...props, onclick: guarded(onclick)}, text);
  }

  // Runs an async action, showing its error; a button stays disabled while it runs.
  function guarded(action) {
    return async (event) => {
      const target = event && event.currentTarget;
      if (target && target.tagName === 'BUTTON') target.disabled = true;
      try {
        hideError();
        await action(event);
      } catch (error) {
        showError(error);
      } finally {
        if (target && target.tagName === 'BUTTON') target.disabled = false;
      }
    };
  }

  function showError(error) {
    if (error && error.status === 401) return;  // the sign-in form says it
    $('#error-text').textContent = error && error.message ? error.message : String(error);
    $('#error').hidden = false;
  }

  function hideError() {
    $('#error').hidden = true;
  }

  // --- Formatting --------------------------------------------------------------------------
  function duration(seconds) {
    if (seconds === null || seconds === undefined || !isFinite(seconds)) return '—';
    seconds = Math.max(0, Math.floor(seconds));
    const units = [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]];
    const parts = [];
    for (const [unit, size] of units) {
      if (seconds >= size || (unit === 's' && parts.length === 0)) {
        parts.push(Math.floor(seconds / size) + unit);
        seconds %= size;
      }
      if (parts.length === 2) break;
    }
    return parts.join(' ');
  }

  function bytes(n) {
    if (n === null || n === undefined) return '—';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
  }

  function orDash(value) {
    return value === null || value === undefined || value === '' ? '—' : String(value);
  }

  function when(ts) {
    if (!ts) return '—';
    const date = new Date(ts);
    return isNaN(date) ? ts : date.toLocaleString();
  }

  function uptime(app) {
    const status = app.status || {};
    if (!['running', 'paused'].includes(status.state) || !status.since) return null;
    return (Date.now() - Date.parse(status.since)) / 1000;
  }

  function healthOf(app) {
    const health = app.status && app.status.health;
    return health ? health.status : null;
  }

  function badge(text, kind) {
    return h('span', {class: 'badge ' + (kind || text || '')}, orDash(text));
  }

  // --- The API -----------------------------------------------------------------------------
  class ApiError extends Error {
    constructor(status, code, message, field) {
      super(message);
      this.status = status;
      this.code = code;
      this.field = field;
    }
  }

  // The answer's JSON; an ApiError with the API's own message otherwise. A 401 signs out, unless
  // `options.keepSession` (the sign-in itself, the first look at the session).
  async function api(method, path, body, options = {}) {
    const headers = {};
    const init = {method, headers, credentials: 'same-origin', cache: 'no-store'};
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    if (method !== 'GET' && state.session && state.session.csrf_token)
      headers['X-CSRF-Token'] = state.session.csrf_token;
    let response;
    try {
      response = await fetch(path, init);
    } catch (error) {
      throw new ApiError(0, 'network', 'berthd cannot be reached (' + error.message + ')');
    }
    const text = await response.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch (_) { json = null; }
    if (response.ok) return json;
    const err = (json && json.error) || {};
    const error = new ApiError(response.status, err.code || 'http',
        err.message || response.status + ' ' + response.statusText, err.field);
    if (response.status === 401 && !options.keepSession) signedOut(error.message);
    throw error;
  }

  const enc = encodeURIComponent;

  // --- Permissions (the rules of docs/api.md: manage implies all, every action implies view,
  // create_apps and manage_users only on global). The API decides; this only hides buttons. --
  function globMatch(glob, text) {
    const pattern = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    return new RegExp('^' + pattern + '$').test(text);
  }

  const GLOBAL_ONLY = ['create_apps', 'manage_users'];

  function can(action, app) {
    const grants = (state.session && state.session.grants) || [];
    for (const grant of grants) {
      const scope = grant.scope || '';
      if (scope !== 'global') {
        if (app === undefined || !scope.startsWith('app:') || !globMatch(scope.slice(4), app)) continue;
      }
      const actions = grant.actions || [];
      if (actions.includes('manage') || actions.includes(action)) return true;
      // create_apps and manage_users bring no view of the apps.
      if (action === 'view' && actions.some((held) => app === undefined || !GLOBAL_ONLY.includes(held)))
        return true;
    }
    return false;
  }

  // --- Session -----------------------------------------------------------------------------
  function signedOut(message) {
    state.session = null;
    closeEvents();
    state.apps.clear();
    showSignIn(message);
  }

  function showSignIn(message) {
    disposeView();
    $('#nav').hidden = true;
    const error = h('p', {class: 'form-error', id: 'sign-in-error', role: 'alert'}, message || '');
    error.hidden = !message;
    const form = h('form', {id: 'sign-in-form'},
        h('label', {}, 'User', h('input', {name: 'name', autocomplete: 'username', required: true})),
        h('label', {}, 'Password', h('input', {name: 'password', type: 'password',
            autocomplete: 'current-password', required: true})),
        h('button', {type: 'submit'}, 'Sign in'));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const submit = $('button', form);
      submit.disabled = true;
      try {
        const session = await api('POST', '/v1/session',
            {name: form.elements.name.value, password: form.elements.password.value},
            {keepSession: true});
        await signedIn(session);
      } catch (err) {
        error.textContent = err.message;
        error.hidden = false;
      } finally {
        submit.disabled = false;
      }
    });
    hideError();
    clear($('#main')).append(h('section', {id: 'sign-in', class: 'card narrow'},
        h('h1', {}, 'Sign in'), error, form));
    form.elements.name.focus();
  }

  async function signedIn(session) {
    state.session = session;
    $('#nav').hidden = false;
    $('#who').textContent = session.user || session.principal || 'me';
    $('[data-nav="users"]').hidden = !can('manage_users');
    $('[data-nav="audit"]').hidden = !can('manage_users');
    await loadApps();
    openEvents();
    route();
  }

  async function signOut() {
    try { await api('DELETE', '/v1/session'); } catch (error) { if (error.status !== 401) throw error; }
    signedOut('');
    location.hash = '#/apps';
  }

  // --- Apps and the event stream ------------------------------------------------------------
  async function loadApps() {
    const apps = await api('GET', '/v1/apps');
    state.apps = new Map(apps.map((app) => [app.name, app]));
  }

  const pendingFetches = new Map();

  // Reads one app again (after an event), at most once per 150 ms per app.
  function refreshApp(name) {
    if (pendingFetches.has(name)) return;
    pendingFetches.set(name, setTimeout(async () => {
      pendingFetches.delete(name);
      try {
        const app = await api('GET', '/v1/apps/' + enc(name));
        state.apps.set(name, app);
        notify('app-updated', {app: name});
      } catch (error) {
        if (error.status === 404 || error.status === 403) {
          state.apps.delete(name);
          notify('app-updated', {app: name});
        }
      }
    }, 150));
  }

  function onEvent(type, data) {
    const app = data && data.app ? state.apps.get(data.app) : null;
    if (type === 'app' && app) {
      app.status = Object.assign({}, app.status, {state: data.to, since: data.ts, pid: data.pid});
      if (data.exit_code !== null && data.exit_code !== undefined) app.status.exit_code = data.exit_code;
    } else if (type === 'health' && app) {
      app.status = Object.assign({}, app.status, {health: data.health});
    } else if (type === 'config' && data.action === 'deleted') {
      state.apps.delete(data.app);
    }
    if (data && data.app && !(type === 'config' && data.action === 'deleted')) refreshApp(data.app);
    notify(type, data);
  }

  function notify(type, data) {
    for (const listener of listeners) listener(type, data);
  }

  function openEvents() {
    closeEvents();
    const events = new EventSource('/v1/events');
    state.events = events;
    for (const type of ['app', 'config', 'deploy', 'health']) {
      events.addEventListener(type, (event) => {
        let data = null;
        try { data = JSON.parse(event.data); } catch (_) { return; }
        onEvent(type, data);
      });
    }
    let failed = false;
    events.addEventListener('open', () => {
      // Events missed while the stream was down: read the list again.
      if (failed) loadApps().then(() => notify('reload', {})).catch(showError);
      failed = false;
    });
    events.addEventListener('error', () => {
      failed = true;
      if (events.readyState !== EventSource.CLOSED) return;  // the browser retries by itself
      // Refused (a 401 or 403): find out whether the session is still there.
      api('GET', '/v1/session').then(() => setTimeout(() => {
        if (state.events === events) openEvents();
      }, 2000)).catch(() => {});
    });
  }

  function closeEvents() {
    if (state.events) state.events.close();
    state.events = null;
  }

  // --- Views -------------------------------------------------------------------------------
  function disposeView() {
    if (state.view && state.view.dispose) state.view.dispose();
    state.view = null;
  }

  function show(view) {
    disposeView();
    state.view = view;
    clear($('#main')).append(view.el);
  }

  // A view's own timers, listeners and streams, all ended with it.
  function scope() {
    const timers = [];
    const owned = [];
    return {
      every(ms, fn) { timers.push(setInterval(fn, ms)); },
      listen(fn) { listeners.add(fn); owned.push(() => listeners.delete(fn)); },
      own(dispose) { owned.push(dispose); },
      dispose() {
        timers.forEach(clearInterval);
        owned.forEach((fn) => fn());
      },
    };
  }

  function route() {
    if (!state.session) return;
    hideError();
    const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
    const [section, name] = parts;
    document.querySelectorAll('#nav a').forEach((a) =>
      a.classList.toggle('active', a.dataset.nav === (section || 'apps')));
    if (section === 'apps' && name === 'new') return show(newAppView());
    if (section === 'apps' && name) return show(appView(name));
    if (section === 'users' && name) return show(userView(name));
    if (section === 'users') return show(usersView());
    if (section === 'audit') return show(auditView());
    if (section === 'me') return show(meView());
    return show(appsView());
  }

  // --- The app list ------------------------------------------------------------------------
  function appsView() {
    const s = scope();
    const body = h('tbody');
    const empty = h('p', {class: 'muted', id: 'no-apps'}, 'No apps to show.');
    const table = h('table', {class: 'list', id: 'apps'},
        h('thead', {}, h('tr', {}, ['Name', 'Kind', 'State', 'Health', 'Uptime', 'Restarts']
            .map((title) => h('th', {}, title)))), body);

    function row(app) {
      const status = app.status || {};
      return h('tr', {dataset: {app: app.name}},
          h('td', {class: 'name', dataset: {label: 'Name'}}, h('a', {href: '#/apps/' + enc(app.name)}, app.name)),
          h('td', {class: 'kind', dataset: {label: 'Kind'}}, app.kind || 'process'),
          h('td', {class: 'state', dataset: {label: 'State'}}, badge(status.state)),
          h('td', {class: 'health', dataset: {label: 'Health'}}, healthOf(app) ? badge(healthOf(app)) : '—'),
          h('td', {class: 'uptime', dataset: {label: 'Uptime'}}, duration(uptime(app))),
          h('td', {class: 'restarts', dataset: {label: 'Restarts'}}, orDash(status.restarts)));
    }

    function render() {
      const apps = [...state.apps.values()].sort((a, b) => a.name.localeCompare(b.name));
      clear(body).append(...apps.map(row));
      empty.hidden = apps.length > 0;
      table.hidden = apps.length === 0;
    }

    s.listen(render);
    s.every(1000, () => {
      for (const tr of body.rows) {
        const app = state.apps.get(tr.dataset.app);
        if (app) $('.uptime', tr).textContent = duration(uptime(app));
      }
    });
    render();
    const create = can('create_apps') ? h('a', {class: 'button', href: '#/apps/new'}, 'New app') : null;
    return {el: h('section', {}, h('div', {class: 'title'}, h('h1', {}, 'Apps'), create), table, empty),
            dispose: s.dispose};
  }

  // --- One app -----------------------------------------------------------------------------
  const CONTROL = ['start', 'stop', 'restart', 'pause', 'unpause'];

  function deploys(app) {
    return (app.source && typeof app.source === 'object') || app.kind === 'container' ||
        app.kind === 'compose';
  }

  function appView(name) {
    if (!state.apps.has(name)) {
      // Not in the list (just created, or a stale list): ask for it, then show it.
      const el = h('section', {}, h('h1', {}, name), h('p', {class: 'muted'}, 'Loading…'));
      api('GET', '/v1/apps/' + enc(name)).then((app) => {
        state.apps.set(name, app);
        if (state.view && state.view.el === el) route();
      }).catch((error) => {
        clear(el).append(h('h1', {}, name), h('p', {class: 'muted'}, error.message));
      });
      return {el};
    }
    const s = scope();
    let deploymentsPanel = null;
    const header = h('div', {class: 'card', id: 'app-status'});
    const buttons = h('div', {class: 'buttons', id: 'controls'});
    const stats = h('dl', {class: 'stats', id: 'stats'});
    const el = h('section', {id: 'app', dataset: {app: name}},
        h('div', {class: 'title'}, h('h1', {}, name), buttons), header);

    function renderHeader() {
      const app = state.apps.get(name);
      if (!app) {
        clear(header).append(h('p', {class: 'muted'}, 'No app named ' + name + ' that you may see.'));
        clear(buttons);
        return;
      }
      const status = app.status || {};
      clear(header).append(h('dl', {class: 'facts'},
          fact('Kind', app.kind || 'process'),
          fact('State', badge(status.state), 'state'),
          fact('Health', healthOf(app) ? badge(healthOf(app)) : '—', 'health'),
          fact('Pid', orDash(status.pid), 'pid'),
          fact('Uptime', duration(uptime(app)), 'uptime'),
          fact('Restarts', orDash(status.restarts), 'restarts'),
          fact('Defined by', orDash(app.defined_by || app.source)),
          status.last_error ? fact('Last error', status.last_error, 'last-error') : null));
      renderButtons(app);
    }

    function renderButtons(app) {
      const state_ = (app.status || {}).state;
      const list = [];
      if (can('control', name)) {
        for (const command of CONTROL) {
          if (command === 'pause' && state_ !== 'running') continue;
          if (command === 'unpause' && state_ !== 'paused') continue;
          list.push(button(command[0].toUpperCase() + command.slice(1), () => control(command),
              {dataset: {command}}));
        }
      }
      if (deploys(app) && can('deploy', name)) {
        list.push(button('Redeploy', () => control('redeploy'), {dataset: {command: 'redeploy'}}));
        list.push(button('Rollback', () => control('rollback'), {dataset: {command: 'rollback'}}));
      }
      if (can('manage', name)) list.push(button('Delete', remove, {class: 'danger', dataset: {command: 'delete'}}));
      clear(buttons).append(...list);
    }

    async function control(command) {
      const app = await api('POST', '/v1/apps/' + enc(name) + '/control', {command});
      if (app && app.name) state.apps.set(name, app);
      renderHeader();
    }

    async function remove() {
      if (!confirm('Delete ' + name + '? It is stopped and forgotten.')) return;
      await api('DELETE', '/v1/apps/' + enc(name));
      state.apps.delete(name);
      location.hash = '#/apps';
    }

    async function loadStats() {
      const data = await api('GET', '/v1/apps/' + enc(name) + '/stats');
      append(clear(stats), [
          fact('Starts', orDash(data.starts)), fact('Restarts', orDash(data.restarts)),
          fact('Exits', orDash(data.exits)), fact('Last exit code', orDash(data.last_exit_code)),
          fact('Uptime', duration(data.uptime_seconds)),
          fact('CPU', data.cpu_percent === null || data.cpu_percent === undefined ? '—' : data.cpu_percent + ' %'),
          fact('Memory', bytes(data.memory_bytes)), fact('Processes', orDash(data.pids)),
          data.net_rx_bytes !== null && data.net_rx_bytes !== undefined ?
            fact('Network in / out', bytes(data.net_rx_bytes) + ' / ' + bytes(data.net_tx_bytes)) : null]);
    }

    s.listen((type, data) => {
      if (data && data.app !== name && type !== 'reload') return;
      renderHeader();
      if (type === 'deploy' && deploymentsPanel) deploymentsPanel.reload();
    });
    s.every(1000, () => {
      const app = state.apps.get(name);
      const cell = $('[data-fact="uptime"] dd', header);
      if (app && cell) cell.textContent = duration(uptime(app));
    });

    renderHeader();
    const app = state.apps.get(name);
    el.append(h('div', {class: 'card'}, h('h2', {}, 'Stats'), stats));
    loadStats().catch(showError);
    s.every(5000, () => loadStats().catch(() => {}));

    if (can('view_logs', name)) el.append(logsPanel(name, s));
    if (deploys(app)) {
      deploymentsPanel = deploymentsPanelFor(name);
      el.append(deploymentsPanel.el);
    }
    el.append(envPanel(app));
    if (can('edit_configuration', name)) el.append(definitionPanel(app));
    return {el, dispose: s.dispose};
  }

  function fact(label, value, key) {
    return h('div', {dataset: key ? {fact: key} : {}}, h('dt', {}, label), h('dd', {}, value));
  }

  const MAX_LOG_LINES = 1000;

  function logsPanel(name, s) {
    const pre = h('pre', {class: 'logs', id: 'logs', tabindex: '0'});
    const status = h('span', {class: 'muted', id: 'logs-status'}, 'connecting…');
    const source = new EventSource('/v1/apps/' + enc(name) + '/logs?follow=true&entries=200');
    s.own(() => source.close());
    source.addEventListener('open', () => { status.textContent = 'live'; });
    source.addEventListener('error', () => {
      status.textContent = source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting…';
    });
    source.addEventListener('log', (event) => {
      let entry;
      try { entry = JSON.parse(event.data); } catch (_) { return; }
      const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
      const line = h('span', {class: 'line ' + (entry.stream || '')},
          h('time', {datetime: entry.ts}, (entry.ts || '').slice(11, 19)), ' ',
          entry.service ? '[' + entry.service + '] ' : '', entry.line, '\n');
      pre.append(line);
      while (pre.childNodes.length > MAX_LOG_LINES) pre.firstChild.remove();
      if (atBottom) pre.scrollTop = pre.scrollHeight;
    });
    return h('div', {class: 'card'}, h('div', {class: 'title'}, h('h2', {}, 'Logs'), status), pre);
  }

  function deploymentsPanelFor(name) {
    const list = h('tbody');
    const log = h('pre', {class: 'logs', id: 'deployment-log', hidden: true});
    const el = h('div', {class: 'card', id: 'deployments'}, h('h2', {}, 'Deployments'),
        h('table', {class: 'list'},
            h('thead', {}, h('tr', {}, ['#', 'Trigger', 'Outcome', 'Revision', 'Started', 'Took', '']
                .map((title) => h('th', {}, title)))), list), log);

    async function showLog(id) {
      const deployment = await api('GET', '/v1/apps/' + enc(name) + '/deployments/' + id + '?log=true');
      log.textContent = '# deployment ' + deployment.id + ' (' + deployment.outcome + ')\n' +
          (deployment.log || '(no output)');
      log.hidden = false;
    }

    async function reload() {
      const deployments = await api('GET', '/v1/apps/' + enc(name) + '/deployments');
      clear(list).append(...deployments.map((d) => h('tr', {dataset: {id: d.id}},
          h('td', {dataset: {label: '#'}}, d.id),
          h('td', {dataset: {label: 'Trigger'}}, d.trigger),
          h('td', {dataset: {label: 'Outcome'}}, badge(d.outcome), d.error ? h('div', {class: 'muted'}, d.error) : null),
          h('td', {dataset: {label: 'Revision'}}, h('code', {}, (d.revision || '—').slice(0, 12))),
          h('td', {dataset: {label: 'Started'}}, when(d.started)),
          h('td', {dataset: {label: 'Took'}}, d.duration_ms === null || d.duration_ms === undefined ? '—' : duration(d.duration_ms / 1000)),
          h('td', {}, can('view_logs', name) ? button('Log', () => showLog(d.id)) : null))));
      if (deployments.length === 0) list.append(h('tr', {}, h('td', {colspan: 7, class: 'muted'}, 'No deployments yet.')));
    }
    reload().catch(showError);
    return {el, reload: () => reload().catch(showError)};
  }

  // Env is shown to whoever may see the app; secrets only by name. Editing needs edit_env.
  function envPanel(app) {
    const editable = can('edit_env', app.name);
    const envRows = h('div', {class: 'rows', id: 'env-rows'});
    const secretRows = h('div', {class: 'rows', id: 'secret-rows'});
    const env = app.env || {};
    const secrets = app.secrets || {};

    function envRow(key, value) {
      return h('div', {class: 'row env'},
          h('input', {class: 'key', value: key, placeholder: 'NAME', readOnly: !editable, 'aria-label': 'name'}),
          h('input', {class: 'value', value, placeholder: 'value', readOnly: !editable, 'aria-label': 'value'}),
          editable ? button('×', (e) => e.currentTarget.parentNode.remove(), {class: 'link', 'aria-label': 'remove'}) : null);
    }

    function secretRow(key, known) {
      return h('div', {class: 'row secret', dataset: known ? {known: key} : {}},
          h('input', {class: 'key', value: key, placeholder: 'NAME', readOnly: known || !editable, 'aria-label': 'name'}),
          h('input', {class: 'value', type: 'password', autocomplete: 'off', hidden: !editable,
              placeholder: known ? 'unchanged' : 'value', 'aria-label': 'value'}),
          editable ? button('×', (e) => e.currentTarget.parentNode.remove(), {class: 'link', 'aria-label': 'remove'}) : null);
    }

    for (const [key, value] of Object.entries(env)) envRows.append(envRow(key, value));
    for (const key of Object.keys(secrets)) secretRows.append(secretRow(key, true));
    if (!editable && !envRows.firstChild) envRows.append(h('p', {class: 'muted'}, 'None.'));
    if (!editable && !secretRows.firstChild) secretRows.append(h('p', {class: 'muted'}, 'None.'));

    async function save() {
      const patch = {env: {}, secrets: {}};
      const seenEnv = new Set();
      for (const row of envRows.children) {
        const key = $('.key', row).value.trim();
        if (!key) continue;
        seenEnv.add(key);
        if (env[key] !== $('.value', row).value) patch.env[key] = $('.value', row).value;
      }
      for (const key of Object.keys(env)) if (!seenEnv.has(key)) patch.env[key] = null;
      const seenSecrets = new Set();
      for (const row of secretRows.children) {
        const key = $('.key', row).value.trim();
        const value = $('.value', row).value;
        if (!key) continue;
        seenSecrets.add(key);
        if (value !== '') patch.secrets[key] = value;
      }
      for (const key of Object.keys(secrets)) if (!seenSecrets.has(key)) patch.secrets[key] = null;
      if (Object.keys(patch.env).length === 0) delete patch.env;
      if (Object.keys(patch.secrets).length === 0) delete patch.secrets;
      if (!patch.env && !patch.secrets) return;
      const updated = await api('PATCH', '/v1/apps/' + enc(app.name), patch);
      state.apps.set(app.name, updated);
      panel.replaceWith(envPanel(updated));
    }

    const panel = h('form', {class: 'card', id: 'env', onsubmit: (event) => {
      event.preventDefault();
      guarded(save)(event);
    }},
        h('h2', {}, 'Environment'), envRows,
        editable ? button('Add variable', () => envRows.append(envRow('', ''))) : null,
        h('h3', {}, 'Secrets'),
        h('p', {class: 'muted'}, 'Values are never shown; type one to replace it.'),
        secretRows,
        editable ? h('div', {class: 'buttons'},
            button('Add secret', () => secretRows.append(secretRow('', false))),
            h('button', {type: 'submit', class: 'primary', id: 'env-save'}, 'Save')) : null);
    return panel;
  }

  function definitionPanel(app) {
    const definition = Object.assign({}, app);
    for (const key of ['status', 'defined_by']) delete definition[key];
    if (typeof definition.source === 'string') delete definition.source;
    const text = h('textarea', {class: 'code', rows: 14, spellcheck: 'false', id: 'definition'},
        JSON.stringify(definition, null, 2));
    async function save() {
      let body;
      try { body = JSON.parse(text.value); } catch (error) {
        throw new Error('The definition is not valid JSON: ' + error.message);
      }
      const updated = await api('PUT', '/v1/apps/' + enc(app.name), body);
      state.apps.set(app.name, updated);
      route();
    }
    return h('details', {class: 'card'}, h('summary', {}, 'Definition'), text,
        h('div', {class: 'buttons'}, button('Replace', save, {class: 'primary'})));
  }

  // --- A new app ---------------------------------------------------------------------------
  function newAppView() {
    const form = h('form', {id: 'new-app', class: 'card'},
        h('label', {}, 'Name', h('input', {name: 'name', pattern: '[a-z][a-z0-9\\-]{0,31}',
            placeholder: 'web'})),
        h('label', {}, 'Kind', h('select', {name: 'kind'},
            ['process', 'container', 'compose'].map((kind) => h('option', {value: kind}, kind)))),
        h('label', {}, 'Command (run with /bin/sh -c)', h('input', {name: 'command', placeholder: 'python3 -m http.server $PORT'})),
        h('label', {}, 'Image (container)', h('input', {name: 'image', placeholder: 'nginx:1.25'})),
        h('label', {}, 'Git repository (optional)', h('input', {name: 'git', placeholder: 'https://git.example.com/acme/web.git'})),
        h('label', {}, 'Git ref', h('input', {name: 'ref', placeholder: 'main'})),
        h('label', {}, 'Port', h('input', {name: 'port', type: 'number', min: 1, max: 65535})),
        h('label', {}, 'Environment (NAME=value, one a line)', h('textarea', {name: 'env', rows: 3})),
        h('label', {class: 'check'}, h('input', {name: 'autostart', type: 'checkbox', checked: true}), 'Start it now'),
        h('details', {}, h('summary', {}, 'Or the whole definition as JSON'),
            h('textarea', {name: 'json', class: 'code', rows: 8, spellcheck: 'false',
                placeholder: '{"name": "web", "command": ["python3", "-m", "http.server", "8080"]}'})),
        h('div', {class: 'buttons'}, h('button', {type: 'submit', class: 'primary'}, 'Create')));

    function definition() {
      const f = form.elements;
      if (f.json.value.trim()) {
        try { return JSON.parse(f.json.value); } catch (error) {
          throw new Error('The definition is not valid JSON: ' + error.message);
        }
      }
      const app = {name: f.name.value.trim(), kind: f.kind.value, autostart: f.autostart.checked};
      if (f.command.value.trim()) app.command = f.command.value.trim();
      if (f.image.value.trim()) app.image = f.image.value.trim();
      if (f.git.value.trim()) {
        app.source = {git: {url: f.git.value.trim()}};
        if (f.ref.value.trim()) app.source.git.ref = f.ref.value.trim();
      }
      if (f.port.value) app.port = Number(f.port.value);
      const env = {};
      for (const line of f.env.value.split('\n')) {
        const eq = line.indexOf('=');
        if (line.trim() && eq > 0) env[line.slice(0, eq).trim()] = line.slice(eq + 1);
      }
      if (Object.keys(env).length) app.env = env;
      return app;
    }

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      guarded(async () => {
        const app = await api('POST', '/v1/apps', definition());
        state.apps.set(app.name, app);
        location.hash = '#/apps/' + enc(app.name);
      })(event);
    });
    return {el: h('section', {}, h('h1', {}, 'New app'), form)};
  }

  // --- Users, grants and tokens ------------------------------------------------------------
  const ACTIONS = ['view', 'view_logs', 'control', 'deploy', 'edit_env', 'edit_configuration',
    'manage', 'create_apps', 'manage_users'];

  function grantsEditor(grants) {
    const rows = h('div', {class: 'rows grants'});
    function row(grant) {
      return h('div', {class: 'row grant'},
          h('input', {class: 'scope', value: grant.scope || '', placeholder: 'global or app:shop-*', 'aria-label': 'scope'}),
          h('div', {class: 'actions'}, ACTIONS.map((action) => h('label', {class: 'check'},
              h('input', {type: 'checkbox', value: action, checked: (grant.actions || []).includes(action)}), action))),
          button('×', (e) => e.currentTarget.parentNode.remove(), {class: 'link', 'aria-label': 'remove grant'}));
    }
    (grants || []).forEach((grant) => rows.append(row(grant)));
    const el = h('fieldset', {}, h('legend', {}, 'Grants'), rows,
        button('Add grant', () => rows.append(row({scope: 'app:', actions: ['view']}))));
    return {
      el,
      value: () => [...rows.children].map((r) => ({
        scope: $('.scope', r).value.trim(),
        actions: [...r.querySelectorAll('input[type=checkbox]:checked')].map((c) => c.value),
      })).filter((g) => g.scope),
    };
  }

  function grantsText(grants) {
    if (!grants || grants.length === 0) return '—';
    return grants.map((g) => g.scope + ': ' + (g.actions || []).join(', ')).join('; ');
  }

  function usersView() {
    const body = h('tbody');
    const grants = grantsEditor([{scope: 'global', actions: ['view']}]);
    const form = h('form', {id: 'new-user', class: 'card'}, h('h2', {}, 'New user'),
        h('label', {}, 'Name', h('input', {name: 'name', required: true})),
        h('label', {}, 'Password', h('input', {name: 'password', type: 'password', autocomplete: 'new-password'})),
        grants.el, h('div', {class: 'buttons'}, h('button', {type: 'submit', class: 'primary'}, 'Create user')));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      guarded(async () => {
        const user = {name: form.elements.name.value.trim(), grants: grants.value()};
        if (form.elements.password.value) user.password = form.elements.password.value;
        await api('POST', '/v1/users', user);
        form.reset();
        await load();
      })(event);
    });
    async function load() {
      const users = await api('GET', '/v1/users');
      clear(body).append(...users.map((u) => h('tr', {dataset: {user: u.name}},
          h('td', {dataset: {label: 'Name'}}, h('a', {href: '#/users/' + enc(u.name)}, u.name)),
          h('td', {dataset: {label: 'Grants'}}, grantsText(u.grants)),
          h('td', {dataset: {label: 'Password'}}, u.has_password ? 'set' : 'none'),
          h('td', {dataset: {label: 'Created'}}, when(u.created)))));
    }
    load().catch(showError);
    return {el: h('section', {}, h('h1', {}, 'Users'),
        h('table', {class: 'list', id: 'users'}, h('thead', {}, h('tr', {},
            ['Name', 'Grants', 'Password', 'Created'].map((t) => h('th', {}, t)))), body), form)};
  }

  function userView(name) {
    const el = h('section', {}, h('h1', {}, 'User ' + name));
    const path = '/v1/users/' + enc(name);
    (async () => {
      const user = await api('GET', path);
      const grants = grantsEditor(user.grants);
      const form = h('form', {class: 'card', id: 'edit-user'},
          h('label', {}, 'New password', h('input', {name: 'password', type: 'password', autocomplete: 'new-password',
              placeholder: user.has_password ? 'unchanged' : 'none set'})),
          grants.el,
          h('div', {class: 'buttons'}, h('button', {type: 'submit', class: 'primary'}, 'Save'),
              button('Delete user', async () => {
                if (!confirm('Delete user ' + name + '?')) return;
                await api('DELETE', path);
                location.hash = '#/users';
              }, {class: 'danger'})));
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        guarded(async () => {
          const patch = {grants: grants.value()};
          if (form.elements.password.value) patch.password = form.elements.password.value;
          await api('PATCH', path, patch);
          form.elements.password.value = '';
          hideError();
        })(event);
      });
      el.append(form, tokensPanel(name));
    })().catch(showError);
    return {el};
  }

  function tokensPanel(user) {
    const path = '/v1/users/' + enc(user) + '/tokens';
    const body = h('tbody');
    const shown = h('p', {class: 'token', id: 'new-token', hidden: true});
    const form = h('form', {class: 'inline'},
        h('input', {name: 'name', placeholder: 'token name', required: true, 'aria-label': 'token name'}),
        h('input', {name: 'expires', type: 'date', 'aria-label': 'expires'}),
        h('button', {type: 'submit'}, 'Create token'));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      guarded(async () => {
        const request = {name: form.elements.name.value.trim()};
        if (form.elements.expires.value) request.expires = new Date(form.elements.expires.value).toISOString();
        const token = await api('POST', path, request);
        clear(shown).append('New token (shown once): ', h('code', {}, token.token));
        shown.hidden = false;
        form.reset();
        await load();
      })(event);
    });
    async function load() {
      const tokens = await api('GET', path);
      clear(body).append(...tokens.map((t) => h('tr', {},
          h('td', {dataset: {label: 'Name'}}, t.name),
          h('td', {dataset: {label: 'Grants'}}, t.grants ? grantsText(t.grants) : 'the user\'s'),
          h('td', {dataset: {label: 'Created'}}, when(t.created)),
          h('td', {dataset: {label: 'Expires'}}, when(t.expires)),
          h('td', {dataset: {label: 'Last used'}}, when(t.last_used)),
          h('td', {}, button('Revoke', async () => {
            await api('DELETE', path + '/' + enc(t.id));
            await load();
          }, {class: 'danger'})))));
    }
    load().catch(showError);
    return h('div', {class: 'card', id: 'tokens'}, h('h2', {}, 'API tokens'),
        h('table', {class: 'list'}, h('thead', {}, h('tr', {},
            ['Name', 'Grants', 'Created', 'Expires', 'Last used', ''].map((t) => h('th', {}, t)))), body),
        form, shown);
  }

  function meView() {
    const session = state.session;
    const result = h('div', {id: 'permissions'});
    const el = h('section', {}, h('h1', {}, orDash(session.user || session.principal)),
        h('div', {class: 'card'}, h('h2', {}, 'Grants'), h('p', {}, grantsText(session.grants))));
    if (session.user) {
      const form = h('form', {class: 'card inline'}, h('h2', {}, 'What may I do?'),
          h('input', {name: 'app', placeholder: 'app name (empty: global)', 'aria-label': 'app'}),
          h('button', {type: 'submit'}, 'Check'), result);
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        guarded(async () => {
          const app = form.elements.app.value.trim();
          const answer = await api('GET', '/v1/users/' + enc(session.user) + '/permissions' +
              (app ? '?app=' + enc(app) : ''));
          clear(result).append(h('p', {}, answer.scope + ': ' + (answer.actions.join(', ') || 'nothing')),
              h('ul', {}, Object.entries(answer.why || {}).map(([action, why]) => h('li', {}, action + ' — ' + why))));
        })(event);
      });
      el.append(form, tokensPanel(session.user));
    }
    return {el};
  }

  // --- The audit trail ---------------------------------------------------------------------
  function auditView() {
    const body = h('tbody');
    const form = h('form', {class: 'card inline', id: 'audit-filter'},
        h('input', {name: 'app', placeholder: 'app', 'aria-label': 'app'}),
        h('input', {name: 'user', placeholder: 'user', 'aria-label': 'user'}),
        h('input', {name: 'since', type: 'datetime-local', 'aria-label': 'since'}),
        h('input', {name: 'until', type: 'datetime-local', 'aria-label': 'until'}),
        h('input', {name: 'limit', type: 'number', min: 1, max: 1000, value: 100, 'aria-label': 'limit'}),
        h('button', {type: 'submit'}, 'Show'));
    async function load() {
      const query = new URLSearchParams();
      for (const key of ['app', 'user', 'limit']) {
        const value = form.elements[key].value.trim();
        if (value) query.set(key, value);
      }
      for (const key of ['since', 'until']) {
        const value = form.elements[key].value;
        if (value) query.set(key, new Date(value).toISOString());
      }
      const entries = await api('GET', '/v1/audit' + (query.toString() ? '?' + query : ''));
      clear(body).append(...entries.map((e) => h('tr', {class: 'outcome-' + e.outcome},
          h('td', {dataset: {label: 'When'}}, when(e.ts)),
          h('td', {dataset: {label: 'Who'}}, e.principal, e.client ? h('div', {class: 'muted'}, e.client) : null),
          h('td', {dataset: {label: 'Request'}}, h('code', {}, e.method + ' ' + e.route)),
          h('td', {dataset: {label: 'App'}}, orDash(e.app)),
          h('td', {dataset: {label: 'Status'}}, badge(e.outcome), ' ', e.status),
          h('td', {dataset: {label: 'What'}}, orDash(e.summary)))));
      if (entries.length === 0) body.append(h('tr', {}, h('td', {colspan: 6, class: 'muted'}, 'Nothing recorded.')));
    }
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      guarded(load)(event);
    });
    load().catch(showError);
    return {el: h('section', {}, h('h1', {}, 'Audit trail'), form,
        h('table', {class: 'list', id: 'audit'}, h('thead', {}, h('tr', {},
            ['When', 'Who', 'Request', 'App', 'Status', 'What'].map((t) => h('th', {}, t)))), body))};
  }

  // --- Start -------------------------------------------------------------------------------
  async function start() {
    $('#error-close').addEventListener('click', hideError);
    $('#sign-out').addEventListener('click', guarded(signOut));
    window.addEventListener('hashchange', route);
    let session;
    try {
      session = await api('GET', '/v1/session', undefined, {keepSession: true});
    } catch (error) {
      return showSignIn(error.status === 401 ? '' : error.message);
    }
    await signedIn(session).catch((error) => showError(error));
  }

  start();
})();
