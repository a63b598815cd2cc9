// Building blocks of the pages. Everything shown goes in as text nodes or attribute values set one by one:
// no markup is ever built from data.

/**
 * el('a', {href: '#/x', class: 'c', onclick: fn}, 'text', child, ...): an element. Attributes whose value is
 * null, undefined or false are left out; functions under on* become listeners; strings and numbers among the
 * children become text nodes; arrays are flattened.
 */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) {
      continue;
    }
    if (k.startsWith('on') && typeof v === 'function') {
      e.addEventListener(k.substring(2), v);
    } else {
      e.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(e, children);
  return e;
}

function append(parent, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) {
      continue;
    }
    if (Array.isArray(c)) {
      append(parent, c);
    } else if (c instanceof Node) {
      parent.appendChild(c);
    } else {
      parent.appendChild(document.createTextNode(String(c)));
    }
  }
}

/** Replaces an element's children. */
export function replace(parent, ...children) {
  parent.replaceChildren();
  append(parent, children);
}

/** A value for display: '–' for null or undefined. */
export function show(v) {
  return v === null || v === undefined || v === '' ? '–' : String(v);
}

export function yesNo(v) {
  return v === null || v === undefined ? '–' : (v ? 'yes' : 'no');
}

export function protocol(v) {
  return { 3: '3.1', 4: '3.1.1', 5: '5.0' }[v] || show(v);
}

/** An ISO-8601 instant as a <time> in the reader's local time, the exact value in its title. */
export function time(iso) {
  if (!iso) {
    return '–';
  }
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) {
    return iso;
  }
  return el('time', { datetime: iso, title: iso }, d.toLocaleString());
}

/**
 * A table: columns are {label, cell: item => text or node, num: right-aligned}; an empty list shows
 * `empty` in one row.
 */
export function table(id, caption, columns, items, empty) {
  const head = el('tr', {}, columns.map((c) => el('th', { scope: 'col', class: c.num ? 'num' : null }, c.label)));
  const rows = items.length === 0
    ? [el('tr', {}, el('td', { colspan: columns.length, class: 'empty' }, empty))]
    : items.map((it) => el('tr', {}, columns.map((c) => el('td', { class: c.num ? 'num' : null }, c.cell(it)))));
  return el('div', { class: 'table-wrap' },
    el('table', { id }, el('caption', {}, caption), el('thead', {}, head), el('tbody', {}, rows)));
}

/** A definition list of [term, value] pairs. */
export function pairs(id, list) {
  return el('dl', { id, class: 'pairs' }, list.map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

/** A message in the status line (kind: 'ok' or 'error'); errors are also announced at once. */
export function status(message, kind = 'ok') {
  const s = document.getElementById('status');
  s.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  s.className = kind;
  s.textContent = message;
}

export function clearStatus() {
  status('', 'ok');
}

/** A dialog of index.html shown modally; resolves to the value `result` gives on submit, or null on cancel. */
function modal(id, onOpen, result) {
  const dialog = document.getElementById(id);
  const form = dialog.querySelector('form');
  const cancel = dialog.querySelector('button[type=button]');
  onOpen();
  return new Promise((resolve) => {
    const done = (value) => {
      form.removeEventListener('submit', submit);
      cancel.removeEventListener('click', cancelled);
      dialog.removeEventListener('cancel', cancelled);
      dialog.close();
      resolve(value);
    };
    const submit = (e) => {
      e.preventDefault();
      done(result());
    };
    const cancelled = (e) => {
      e.preventDefault();
      done(null);
    };
    form.addEventListener('submit', submit);
    cancel.addEventListener('click', cancelled);
    dialog.addEventListener('cancel', cancelled);
    dialog.showModal();
  });
}

/** Asks before an action; resolves true when confirmed. */
export async function confirmAction(title, text, action) {
  const ok = await modal('confirm-dialog', () => {
    document.getElementById('confirm-title').textContent = title;
    document.getElementById('confirm-text').textContent = text;
    document.getElementById('confirm-ok').textContent = action;
    setTimeout(() => document.getElementById('confirm-cancel').focus(), 0);
  }, () => true);
  return ok === true;
}

/** Asks for the admin token; resolves to it, or null when cancelled. */
export function askToken(refused) {
  const input = document.getElementById('token-input');
  return modal('token-dialog', () => {
    document.getElementById('token-text').textContent = refused
      ? 'The node refused the token. Enter another one; it is kept in this browser tab only (session storage).'
      : 'This node asks for an admin token. It is kept in this browser tab only (session storage).';
    input.value = '';
  }, () => input.value.trim() || null);
}
