/**
 * Runs the mini-program's pages as WeChat would, against the real server:
 * each page is rendered from its WXML by miniprogram-simulate (in jsdom),
 * and the `wx` object it calls is a shim whose `wx.request` is real HTTP to
 * `tongcheng serve --demo` (TONGCHENG_API). Only what needs WeChat itself
 * is stubbed at the `wx.*` boundary: the login code, the payment sheet,
 * the map picker, scanning, location, toasts and navigation.
 */
import { JSDOM } from 'jsdom';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';

// The county's phones keep China time: the pages show local times.
process.env.TZ = 'Asia/Shanghai';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
const g = globalThis as Record<string, unknown>;
for (const k of ['window', 'document', 'Event', 'CustomEvent', 'Node', 'HTMLElement']) {
  g[k] = k === 'window' ? dom.window : (dom.window as unknown as Record<string, unknown>)[k];
}
g.document = dom.window.document;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const simulate = require('miniprogram-simulate');

// A page that keeps polling after it is gone would keep this process alive
// for ever: once the tests are done, a few seconds of grace, then a failure.
after(() => {
  setTimeout(() => {
    console.error('a timer or request outlived its page: the process would not exit');
    process.exit(1);
  }, 5000).unref();
});

/** The server under test. */
export const API = process.env.TONGCHENG_API ?? '';
if (!API) {
  throw new Error('TONGCHENG_API is not set: run the tests through `cargo test` (tests/tests/miniprogram.rs)');
}

/** What the pages showed and where they went. */
export const seen = {
  toasts: [] as string[],
  navigations: [] as string[],
  /** The template ids each `wx.requestSubscribeMessage` asked for. */
  subscriptions: [] as string[][],
};

/** What the stubbed WeChat-only calls answer. */
export const stubs = {
  /** The next `wx.login` code (the demo server accepts `demo:<name>`). */
  loginCode: 'demo:zhang',
  /** Where `wx.chooseLocation` points. */
  location: { latitude: 33.336, longitude: 105.616, name: '东关社区', address: '康县东关社区 3 号楼' },
  /** Whether the payment sheet is paid or dismissed. */
  paymentSucceeds: true,
  /** What the next `wx.scanCode` reads (first in, first out). */
  scans: [] as string[],
  /** Whether the user confirms a `wx.showModal`. */
  confirm: true,
};

let locationListener: ((r: { latitude: number; longitude: number }) => void) | null = null;

/** The phone moves: `wx.onLocationChange`'s listener hears it, as on a phone reporting updates. */
export function moveTo(latitude: number, longitude: number): void {
  stubs.location = { ...stubs.location, latitude, longitude };
  locationListener?.({ latitude, longitude });
}

let inflight = 0;
const storage = new Map<string, unknown>();

type Callbacks = { success?: (r: unknown) => void; fail?: (e: unknown) => void; complete?: () => void };

function answer(o: Callbacks, ok: boolean, r: unknown): void {
  setTimeout(() => {
    if (ok) {
      o.success?.(r);
    } else {
      o.fail?.(r);
    }
    o.complete?.();
  }, 0);
}

g.wx = {
  request(o: Callbacks & { url: string; method?: string; data?: unknown; header?: Record<string, string> }) {
    inflight++;
    const method = o.method ?? 'GET';
    fetch(o.url, {
      method,
      headers: o.header,
      body: method === 'GET' || o.data === undefined ? undefined : JSON.stringify(o.data),
    })
      .then(async (r) => {
        const text = await r.text();
        let data: unknown = text;
        try {
          data = text ? JSON.parse(text) : '';
        } catch {
          /* not JSON */
        }
        inflight--;
        answer(o, true, { statusCode: r.status, data, header: {} });
      })
      .catch((e) => {
        inflight--;
        answer(o, false, { errMsg: `request:fail ${e}` });
      });
  },
  login(o: Callbacks) {
    answer(o, true, { code: stubs.loginCode, errMsg: 'login:ok' });
  },
  getAccountInfoSync: () => ({ miniProgram: { appId: 'touristappid', envVersion: 'develop', version: '' } }),
  getStorageSync: (k: string) => (storage.has(k) ? storage.get(k) : ''),
  setStorageSync: (k: string, v: unknown) => storage.set(k, JSON.parse(JSON.stringify(v))),
  removeStorageSync: (k: string) => storage.delete(k),
  showToast: (o: { title: string }) => seen.toasts.push(o.title),
  showModal: (o: Callbacks & { content: string }) => {
    seen.toasts.push(o.content);
    answer(o, true, { confirm: stubs.confirm, cancel: !stubs.confirm });
  },
  navigateTo: (o: { url: string }) => seen.navigations.push(o.url),
  redirectTo: (o: { url: string }) => seen.navigations.push(o.url),
  navigateBack: () => seen.navigations.push('back'),
  setNavigationBarTitle: () => undefined,
  stopPullDownRefresh: () => undefined,
  chooseLocation: (o: Callbacks) => answer(o, true, stubs.location),
  getLocation: (o: Callbacks) => answer(o, true, { ...stubs.location, accuracy: 10 }),
  startLocationUpdate: (o: Callbacks) => answer(o, true, { errMsg: 'startLocationUpdate:ok' }),
  stopLocationUpdate: (o: Callbacks) => answer(o, true, { errMsg: 'stopLocationUpdate:ok' }),
  onLocationChange: (f: (r: { latitude: number; longitude: number }) => void) => {
    locationListener = f;
  },
  offLocationChange: () => {
    locationListener = null;
  },
  scanCode: (o: Callbacks) => {
    const result = stubs.scans.shift();
    answer(o, result !== undefined, result !== undefined ? { result, scanType: 'QR_CODE' } : { errMsg: 'scanCode:fail cancel' });
  },
  requestSubscribeMessage: (o: Callbacks & { tmplIds: string[] }) => {
    seen.subscriptions.push(o.tmplIds);
    answer(o, true, { errMsg: 'requestSubscribeMessage:ok' });
  },
  requestPayment: (o: Callbacks) =>
    answer(o, stubs.paymentSucceeds, { errMsg: stubs.paymentSucceeds ? 'requestPayment:ok' : 'requestPayment:fail cancel' }),
};

// The pages read the API's address from the config module.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const config = require('../src/config').config as {
  apiBase: string;
  pollMs: number;
  locationFlushMs: number;
  templates: string[];
};
config.apiBase = API;
config.pollMs = 200;
config.locationFlushMs = 100;

/** Signs out and clears the phone's storage: the next call signs in with `loginCode`. */
export function resetSession(loginCode: string): void {
  storage.clear();
  stubs.loginCode = loginCode;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until no request is in flight and the pages had a turn. */
export async function settle(): Promise<void> {
  for (let quiet = 0; quiet < 3; ) {
    await sleep(10);
    quiet = inflight === 0 ? quiet + 1 : 0;
  }
}

/** Waits for a condition, polling (the order page's own polling runs meanwhile). */
export async function until(what: string, ok: () => boolean, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await sleep(50);
  }
}

interface Node {
  dom: { textContent: string | null };
  dispatchEvent(name: string, detail?: unknown): void;
}

/** A rendered page. */
export interface Page {
  /** Its route, e.g. `/pages/index/index`. */
  readonly route: string;
  /** The page's data. */
  data: Record<string, any>;
  /** The text of the first element matching a selector ('' if none). */
  text(selector: string): string;
  /** The texts of every element matching a selector. */
  texts(selector: string): string[];
  /** Taps the first (or the n-th) element matching a selector, then settles. */
  tap(selector: string, n?: number): Promise<void>;
  /** Types into an input. */
  type(selector: string, value: string): Promise<void>;
  /** Picks the i-th entry of a picker (or a date, for a date picker). */
  pick(selector: string, value: number | string): Promise<void>;
  /** The rendered markup (custom elements such as `wx-view`). */
  html(): string;
  /** Pulls the page down to refresh it. */
  pullDown(): Promise<void>;
  /** Leaves the page (its timers stop). */
  close(): void;
}

/** Opens a page by its URL (`/pages/x/x?a=1`) and runs its onLoad and onShow. */
export async function open(url: string): Promise<Page> {
  const [route, qs] = url.split('?');
  const query = Object.fromEntries(new URLSearchParams(qs ?? ''));
  const file = path.join(__dirname, '..', 'src', route);
  // One compilation of all the WXML under the root, as WeChat's own.
  const id = simulate.load(file, path.basename(route), { rootPath: path.join(__dirname, '..', 'src') });
  const c = simulate.render(id);
  c.attach(dom.window.document.createElement('parent-wrapper'));
  const inst = c.instance as Record<string, (q?: unknown) => unknown>;
  await inst.onLoad?.call(inst, query);
  await inst.onShow?.call(inst);
  await settle();
  const all = (sel: string): Node[] => c.querySelectorAll(sel) as Node[];
  const first = (sel: string, n = 0): Node => {
    const el = all(sel)[n];
    if (!el) {
      throw new Error(`no ${sel} (#${n}) on ${route}: ${c.dom.innerHTML.slice(0, 2000)}`);
    }
    return el;
  };
  return {
    route,
    get data() {
      return c.data;
    },
    text: (sel) => all(sel)[0]?.dom.textContent?.trim() ?? '',
    texts: (sel) => all(sel).map((e) => e.dom.textContent?.trim() ?? ''),
    async tap(sel, n = 0) {
      first(sel, n).dispatchEvent('tap');
      await settle();
    },
    async type(sel, value) {
      first(sel).dispatchEvent('input', { detail: { value } });
      await settle();
    },
    async pick(sel, value) {
      first(sel).dispatchEvent('change', { detail: { value: String(value) } });
      await settle();
    },
    html: () => (c.dom as { outerHTML: string }).outerHTML,
    async pullDown() {
      await inst.onPullDownRefresh?.call(inst);
      await settle();
    },
    close() {
      inst.onUnload?.call(inst);
      c.detach();
    },
  };
}

/**
 * Keeps a page's rendered markup as it is now, for the README's pictures:
 * `npm run screenshots` draws build/screens/NAME.json with headless
 * Chromium at a phone's width.
 */
export function shot(page: Page, name: string): void {
  const dir = path.join(__dirname, '..', 'screens');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${name}.json`), JSON.stringify({ route: page.route, html: page.html() }));
}

/** The API as another party (the kitchen, a rider) calls it, outside the mini-program. */
export async function call(method: string, p: string, token?: string, body?: unknown): Promise<any> {
  const r = await fetch(API + p, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  const data = text ? JSON.parse(text) : null;
  if (!r.ok) {
    throw new Error(`${method} ${p}: ${r.status} ${text}`);
  }
  return data;
}

/** A demo user's token, for the parties outside the mini-program. */
export async function demoToken(name: string): Promise<string> {
  const r = await call('POST', '/api/v1/auth/wechat-login', undefined, { code: `demo:${name}` });
  return r.access_token;
}
