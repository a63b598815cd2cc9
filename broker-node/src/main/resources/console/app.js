// The console's pages, one per hash route:
//   #/                         cluster overview (members, rates, drain/undrain), refreshed every 5 s
//   #/clients?prefix=&user=&node=&state=&after=    client search
//   #/client/<id>              one session: connection, queue, subscriptions, will; kick, delete
//   #/subscriptions?filter=&clientId=&after=       #/retained?filter=&after=
import { api, ApiError, seg, forgetToken, hasToken } from './api.js';
import {
  el, replace, show, yesNo, protocol, time, table, pairs, status, clearStatus, confirmAction,
} from './ui.js';

const main = document.getElementById('main');
const REFRESH_MS = 5000;
const PAGE = 50;

/** The page on screen; a route change bumps it, so late answers for an old page are dropped. */
let generation = 0;
let timer = null;

/** The last reading of each member's counters (by member id), for the message rates. */
const lastCounters = new Map();

function parseHash() {
  const h = window.location.hash.replace(/^#/, '') || '/';
  const q = h.indexOf('?');
  const path = q < 0 ? h : h.substring(0, q);
  const params = new URLSearchParams(q < 0 ? '' : h.substring(q + 1));
  return { path, params };
}

function href(path, params = {}) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v) {
      p.set(k, v);
    }
  }
  const s = p.toString();
  return '#' + path + (s ? '?' + s : '');
}

function clientLink(id) {
  return el('a', { href: '#/client/' + encodeURIComponent(id) }, id);
}

/** Shows the page the hash names (again); keepStatus leaves the status line, e.g. the outcome of an action. */
function route(keepStatus = false) {
  generation++;
  if (timer) {
    clearInterval(timer);
    timer = null;
  }
  if (!keepStatus) {
    clearStatus();
  }
  const { path, params } = parseHash();
  document.querySelectorAll('nav a').forEach((a) => a.removeAttribute('aria-current'));
  const mine = generation;
  let view;
  if (path === '/' || path === '') {
    view = () => overview(mine);
    mark('nav-cluster');
  } else if (path === '/clients') {
    view = () => clients(mine, params);
    mark('nav-clients');
  } else if (path.startsWith('/client/')) {
    view = () => session(mine, decodeURIComponent(path.substring('/client/'.length)));
    mark('nav-clients');
  } else if (path === '/subscriptions') {
    view = () => subscriptions(mine, params);
    mark('nav-subscriptions');
  } else if (path === '/retained') {
    view = () => retained(mine, params);
    mark('nav-retained');
  } else {
    view = () => replace(main, el('h1', {}, 'Not found'), el('p', {}, el('a', { href: '#/' }, 'Back to the cluster')));
  }
  new Promise((resolve) => resolve(view())).catch((e) => showError(mine, e)); // a bad %-escape in the hash too
}

function mark(id) {
  document.getElementById(id).setAttribute('aria-current', 'page');
}

function current(mine) {
  return mine === generation;
}

/** A page's frame: its heading (focused, for screen readers and keyboards) and a body to fill. */
function frame(title, ...intro) {
  const body = el('div', { id: 'page-body' }, el('p', { class: 'loading' }, 'Loading…'));
  replace(main, el('h1', { id: 'page-title' }, title), intro, body);
  main.focus();
  return body;
}

function showError(mine, e) {
  if (!current(mine)) {
    return;
  }
  status(e instanceof ApiError ? e.message : 'Error: ' + e, 'error');
  const body = document.getElementById('page-body');
  if (body && body.querySelector('.loading')) {
    replace(body, el('p', { class: 'error-text' }, e instanceof ApiError && e.status === 401
      ? 'This page needs a token. Reload to enter one.' : 'Could not load this page.'));
  }
}

/** Runs a confirmed action and reports it in the status line; true when it was done. */
async function act(title, text, label, call, done) {
  if (!await confirmAction(title, text, label)) {
    return false;
  }
  try {
    const r = await call();
    status(done(r), 'ok');
    return true;
  } catch (e) {
    status(e instanceof ApiError ? e.message : String(e), 'error');
    return false;
  }
}

// --- cluster overview

async function overview(mine) {
  const body = frame('Cluster');
  const tick = async () => {
    try {
      const c = await api('GET', 'cluster');
      if (current(mine)) {
        renderOverview(mine, body, c, rates(c.members || []));
      }
    } catch (e) {
      showError(mine, e);
    }
  };
  await tick();
  if (current(mine)) {
    timer = setInterval(tick, REFRESH_MS);
  }
}

/** Messages per second in and out for each member since its last reading (null on the first). */
function rates(members) {
  const now = performance.now();
  const out = new Map();
  for (const m of members) {
    if (typeof m.messagesIn !== 'number' || typeof m.messagesOut !== 'number') { // unreachable: no counters
      lastCounters.delete(m.id);
      out.set(m.id, null);
      continue;
    }
    const prev = lastCounters.get(m.id);
    let r = null;
    if (prev && now > prev.at && m.messagesIn >= prev.in && m.messagesOut >= prev.out) {
      const s = (now - prev.at) / 1000;
      r = { in: (m.messagesIn - prev.in) / s, out: (m.messagesOut - prev.out) / s };
    }
    out.set(m.id, r);
    lastCounters.set(m.id, { at: now, in: m.messagesIn, out: m.messagesOut });
  }
  return out;
}

function rate(v) {
  return v === null || v === undefined ? '…' : v.toFixed(v < 10 ? 1 : 0);
}

function renderOverview(mine, body, c, memberRates) {
  const quorum = c.quorum || {};
  const sessions = c.sessions || {};
  const grafana = typeof c.grafanaUrl === 'string' && /^https?:\/\//i.test(c.grafanaUrl)
    ? el('a', { href: c.grafanaUrl, target: '_blank', rel: 'noopener noreferrer', id: 'grafana-link' }, 'Open Grafana')
    : 'not configured';
  const summary = pairs('cluster-summary', [
    ...(c.clusterName ? [['Cluster', c.clusterName]] : []),
    ['Answered by', show(c.self)],
    ['Quorum', el('span', { class: quorum.ok ? 'good' : 'bad' },
      (quorum.ok ? 'ok' : 'not met') + ' (' + show(quorum.members) + ' members, ' + show(quorum.required) + ' required)')],
    ['Partitions', el('span', { class: c.partitionsSafe ? 'good' : 'bad' }, c.partitionsSafe ? 'safe' : 'not safe (migrating)')],
    ['Sessions', show(sessions.total) + ' (' + show(sessions.offline) + ' offline)'],
    ['Dashboards', grafana],
  ]);
  const members = (c.members || []).slice().sort((a, b) => String(a.name).localeCompare(String(b.name)));
  const stateOf = (m) => (!m.reachable ? 'unreachable' : m.draining ? 'draining' : m.ready ? 'ready' : 'not ready');
  const membersTable = table('members', 'Members (rates over the last ' + (REFRESH_MS / 1000) + ' s)', [
    { label: 'Node', cell: (m) => el('span', {}, show(m.name), m.self ? el('span', { class: 'tag' }, 'this node') : null) },
    { label: 'State', cell: (m) => el('span', { class: 'state-' + stateOf(m).replace(' ', '-') }, stateOf(m)) },
    { label: 'Connections', num: true, cell: (m) => show(m.connections) },
    { label: 'In msg/s', num: true, cell: (m) => rate(memberRates.get(m.id) && memberRates.get(m.id).in) },
    { label: 'Out msg/s', num: true, cell: (m) => rate(memberRates.get(m.id) && memberRates.get(m.id).out) },
    { label: 'Messages in', num: true, cell: (m) => show(m.messagesIn) },
    { label: 'Messages out', num: true, cell: (m) => show(m.messagesOut) },
    {
      label: 'Action',
      cell: (m) => (m.draining
        ? el('button', { type: 'button', 'data-node': m.name, class: 'undrain', onclick: () => drain(mine, m.name, false) },
          'Undrain ' + m.name)
        : el('button', { type: 'button', 'data-node': m.name, class: 'drain danger', onclick: () => drain(mine, m.name, true) },
          'Drain ' + m.name)),
    },
  ], members, 'No members.');
  replace(body, summary, membersTable, el('p', { class: 'hint' }, 'Updated ', el('span', { id: 'updated' }, new Date().toLocaleTimeString()),
    '. Draining a node makes it report not ready, so gateways send it no new clients and move its clients away.'));
}

async function drain(mine, name, on) {
  const done = await act(
    on ? 'Drain node ' + name + '?' : 'Undrain node ' + name + '?',
    on ? 'Node ' + name + ' will stop taking new clients and report not ready; gateways move its clients to other nodes.'
      : 'Node ' + name + ' will take new clients again.',
    on ? 'Drain' : 'Undrain',
    () => api('POST', 'nodes/' + seg(name) + (on ? '/drain' : '/undrain')),
    () => (on ? 'Node ' + name + ' is draining.' : 'Node ' + name + ' takes new clients again.'),
  );
  if (done && current(mine)) {
    route(true);
  }
}

// --- lists with paging

function pager(path, params, next, count) {
  const first = params.get('after')
    ? el('a', { href: href(path, { ...Object.fromEntries(params), after: '' }), class: 'page-link' }, 'First page') : null;
  const more = next
    ? el('a', { href: href(path, { ...Object.fromEntries(params), after: next }), class: 'page-link', id: 'next-page' }, 'Next page')
    : null;
  return el('p', { class: 'pager' }, count + (next ? ' shown, more on the next page. ' : ' shown. '), first, ' ', more);
}

function searchForm(path, params, fields) {
  const inputs = fields.map((f) => {
    const id = 'f-' + f.name;
    const control = f.options
      ? el('select', { id, name: f.name }, f.options.map(([v, label]) => el('option', { value: v, selected: (params.get(f.name) || '') === v }, label)))
      : el('input', { id, name: f.name, type: 'search', value: params.get(f.name) || f.value || '', placeholder: f.placeholder || null, autocomplete: 'off' });
    return el('div', { class: 'field' }, el('label', { for: id }, f.label), control);
  });
  return el('form', {
    class: 'search',
    role: 'search',
    onsubmit: (e) => {
      e.preventDefault();
      const p = {};
      for (const f of fields) {
        p[f.name] = document.getElementById('f-' + f.name).value.trim();
      }
      const target = href(path, p);
      if (target === window.location.hash) {
        route();
      } else {
        window.location.hash = target;
      }
    },
  }, inputs, el('div', { class: 'field' }, el('button', { type: 'submit', id: 'search-button' }, 'Search')));
}

async function clients(mine, params) {
  const body = frame('Clients', searchForm('/clients', params, [
    { name: 'prefix', label: 'Client id starts with' },
    { name: 'user', label: 'User' },
    { name: 'node', label: 'Node' },
    { name: 'state', label: 'State', options: [['', 'any'], ['connected', 'connected'], ['offline', 'offline']] },
  ]));
  const page = await api('GET', 'clients', {
    prefix: params.get('prefix'), user: params.get('user'), node: params.get('node'), state: params.get('state'),
    after: params.get('after'), limit: PAGE,
  });
  if (!current(mine)) {
    return;
  }
  replace(body, table('clients', 'Clients and sessions', [
    { label: 'Client id', cell: (c) => clientLink(c.clientId) },
    { label: 'State', cell: (c) => (c.connected ? 'connected' : 'offline') },
    { label: 'Node', cell: (c) => show(c.node) },
    { label: 'Protocol', cell: (c) => protocol(c.protocolVersion) },
    { label: 'User', cell: (c) => show(c.user) },
    { label: 'Persistent', cell: (c) => yesNo(c.persistent) },
    { label: 'Queued', num: true, cell: (c) => show(c.queued) },
    { label: 'Subscriptions', num: true, cell: (c) => show(c.subscriptions) },
    { label: 'Connected at', cell: (c) => time(c.connectedAt) },
    { label: 'Expires at', cell: (c) => time(c.expiresAt) },
  ], page.items || [], 'No client matches.'), pager('/clients', params, page.next, (page.items || []).length));
}

// --- one session

async function session(mine, id) {
  const body = frame('Client ' + id);
  let c;
  try {
    c = await api('GET', 'clients/' + seg(id));
  } catch (e) {
    if (e instanceof ApiError && e.status === 404 && current(mine)) {
      replace(body, el('p', { id: 'no-session' }, 'The cluster has no session for this client id.'),
        el('p', {}, el('a', { href: '#/clients' }, 'Search clients')));
      return;
    }
    throw e;
  }
  if (!current(mine)) {
    return;
  }
  const expiry = c.sessionExpirySeconds === null || c.sessionExpirySeconds === undefined
    ? (c.persistent ? 'never' : '–') : c.sessionExpirySeconds + ' s';
  const will = c.will
    ? [c.will.topic, ' (QoS ', show(c.will.qos), c.will.retain ? ', retained' : '', ', delay ', show(c.will.delaySeconds),
      ' s, ', show(c.will.payloadBytes), ' bytes)']
    : 'none';
  const actions = el('div', { class: 'actions' },
    c.connected ? el('button', {
      type: 'button',
      id: 'kick',
      class: 'danger',
      onclick: async () => {
        if (await act('Kick ' + id + '?', 'Its connection on node ' + show(c.node)
          + ' is closed (MQTT 5: administrative action). Its will is published; a persistent session stays.',
        'Kick', () => api('POST', 'clients/' + seg(id) + '/kick'),
        (r) => 'Kicked ' + id + (r && r.node ? ' on node ' + r.node : '') + '.')) {
          route(true);
        }
      },
    }, 'Kick client') : null,
    el('button', {
      type: 'button',
      id: 'delete-session',
      class: 'danger',
      onclick: async () => {
        if (await act('Delete the session of ' + id + '?', 'The client is disconnected if connected, and its '
          + 'subscriptions and queued messages are removed. Its will is not published.', 'Delete session',
        () => api('DELETE', 'sessions/' + seg(id)), () => 'Deleted the session of ' + id + '.')) {
          route(true);
        }
      },
    }, 'Delete session'),
    el('button', { type: 'button', id: 'refresh', onclick: () => route() }, 'Refresh'));
  replace(body, actions, pairs('session', [
    ['Client id', c.clientId],
    ['State', el('span', { id: 'session-state' }, c.connected ? 'connected' : 'offline')],
    ['Node', el('span', { id: 'session-node' }, show(c.node))],
    ['Node id', show(c.nodeId)],
    ['Protocol', protocol(c.protocolVersion)],
    ['User', show(c.user)],
    ['Remote address', show(c.remote)],
    ['Connected at', time(c.connectedAt)],
    ['Keep alive', c.keepAliveSeconds === null || c.keepAliveSeconds === undefined ? '–' : c.keepAliveSeconds + ' s'],
    ['Persistent', yesNo(c.persistent)],
    ['Session expiry', expiry],
    ['Expires at', time(c.expiresAt)],
    ['Queued messages', el('span', { id: 'session-queued' }, show(c.queued))],
    ['In flight', show(c.inflight)],
    ['Will', el('span', { id: 'session-will' }, will)],
  ]), table('session-subscriptions', 'Subscriptions', [
    { label: 'Filter', cell: (s) => el('code', {}, s.filter) },
    { label: 'QoS', num: true, cell: (s) => show(s.qos) },
    { label: 'No local', cell: (s) => yesNo(s.noLocal) },
    { label: 'Retain as published', cell: (s) => yesNo(s.retainAsPublished) },
    { label: 'Retain handling', num: true, cell: (s) => show(s.retainHandling) },
    { label: 'Subscription id', num: true, cell: (s) => show(s.subscriptionId) },
  ], c.subscriptions || [], 'No subscriptions.'), el('p', {},
    el('a', { href: href('/subscriptions', { clientId: c.clientId }) }, 'This client in the subscriptions browser')));
}

// --- subscriptions and retained

async function subscriptions(mine, params) {
  const body = frame('Subscriptions', searchForm('/subscriptions', params, [
    { name: 'filter', label: 'Exact filter', placeholder: 'e.g. sensors/+/temp' },
    { name: 'clientId', label: 'Client id' },
  ]));
  const page = await api('GET', 'subscriptions', {
    filter: params.get('filter'), clientId: params.get('clientId'), after: params.get('after'), limit: PAGE,
  });
  if (!current(mine)) {
    return;
  }
  replace(body, table('subscriptions', 'Subscriptions', [
    { label: 'Filter', cell: (s) => el('code', {}, s.filter) },
    { label: 'Client id', cell: (s) => clientLink(s.clientId) },
    { label: 'QoS', num: true, cell: (s) => show(s.qos) },
    { label: 'Share group', cell: (s) => show(s.shareGroup) },
    { label: 'Node', cell: (s) => show(s.node) },
  ], page.items || [], 'No subscription matches.'), pager('/subscriptions', params, page.next, (page.items || []).length));
}

async function retained(mine, params) {
  const body = frame('Retained messages', searchForm('/retained', params, [
    { name: 'filter', label: 'Topic filter', value: '#', placeholder: '#' },
  ]));
  const page = await api('GET', 'retained', { filter: params.get('filter') || '#', after: params.get('after'), limit: PAGE });
  if (!current(mine)) {
    return;
  }
  replace(body, table('retained', 'Retained messages (payload preview: first 64 bytes)', [
    { label: 'Topic', cell: (m) => el('code', {}, m.topic) },
    { label: 'QoS', num: true, cell: (m) => show(m.qos) },
    { label: 'Bytes', num: true, cell: (m) => show(m.payloadBytes) },
    { label: 'Content type', cell: (m) => show(m.contentType) },
    { label: 'Expires at', cell: (m) => time(m.expiresAt) },
    {
      label: 'Preview',
      cell: (m) => (m.preview !== null && m.preview !== undefined
        ? el('span', { class: 'preview' }, m.preview)
        : el('span', { class: 'preview binary', title: 'not UTF-8 text: base64 of the first 64 bytes' }, 'base64: ' + show(m.previewBase64))),
    },
  ], page.items || [], 'No retained message matches.'), pager('/retained', params, page.next, (page.items || []).length));
}

// --- start

function tokenControl() {
  const nav = document.querySelector('nav ul');
  const li = el('li', {}, el('button', {
    type: 'button',
    id: 'forget-token',
    class: 'link',
    onclick: () => {
      forgetToken();
      status(hasToken() ? 'Token kept.' : 'Token forgotten for this tab.', 'ok');
    },
  }, 'Forget token'));
  nav.appendChild(li);
}

window.addEventListener('hashchange', () => route());
tokenControl();
route();
