// Calls to the node's admin API (/api/v1, next to /console/). On a 401 it asks for a token once (one prompt
// however many calls were refused at the same time), keeps it in sessionStorage and sends it as a Bearer header.
import { askToken } from './ui.js';

const TOKEN_KEY = 'mqttc-console-token';
const BASE = new URL('../api/v1/', window.location.href);

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

let pendingPrompt = null;

function promptForToken(refused) {
  if (!pendingPrompt) {
    pendingPrompt = askToken(refused).then((token) => {
      pendingPrompt = null;
      if (token) {
        sessionStorage.setItem(TOKEN_KEY, token);
      }
      return token;
    });
  }
  return pendingPrompt;
}

/** Forgets the token (the "Forget token" control). */
export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

export function hasToken() {
  return sessionStorage.getItem(TOKEN_KEY) !== null;
}

/**
 * One call: method, a path under /api/v1/ (segments already encoded), query parameters (null and '' left out).
 * Resolves to the parsed JSON; rejects with an ApiError carrying the HTTP status (0: no answer).
 */
export async function api(method, path, params = {}) {
  const url = new URL(path, BASE);
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && v !== undefined && v !== '') {
      url.searchParams.set(k, v);
    }
  }
  for (let attempt = 0; ; attempt++) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    const headers = { Accept: 'application/json' };
    if (token) {
      headers.Authorization = 'Bearer ' + token;
    }
    let res;
    try {
      res = await fetch(url, { method, headers, cache: 'no-store', credentials: 'omit' });
    } catch (e) {
      throw new ApiError(0, 'The node did not answer (' + e.message + ').');
    }
    if (res.status === 401 && attempt < 3) {
      const given = await promptForToken(token !== null);
      if (given) {
        continue;
      }
    }
    const text = await res.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch (e) {
      body = null;
    }
    if (!res.ok) {
      const reason = body && typeof body.error === 'string' ? body.error : (text || res.statusText);
      throw new ApiError(res.status, 'HTTP ' + res.status + ': ' + reason);
    }
    return body;
  }
}

/** A client id or node name as one path segment ('.' too, so "." or ".." stay a name, not a step up). */
export function seg(s) {
  return encodeURIComponent(s).replace(/\./g, '%2E');
}
