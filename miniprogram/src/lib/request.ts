/**
 * The one request layer: every call goes through `api`, which adds the
 * access token, refreshes it quietly when it expired (one refresh at a
 * time, however many calls wait), signs in again when the session ended,
 * retries what is safe to retry when the network drops, and turns every
 * failure into an `ApiError` with a message for the user.
 */
import { config } from '../config';
import { ApiError, messageFor, messageOf } from './errors';
import type { ErrorBody, LoginResponse, TokenPair } from './types';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface Raw {
  status: number;
  data: unknown;
}

const TOKENS = 'tokens';

function raw(method: Method, path: string, body: unknown, headers: Record<string, string>): Promise<Raw> {
  return new Promise((resolve, reject) => {
    wx.request({
      url: config.apiBase + path,
      method,
      data: body as WechatMiniprogram.IAnyObject | undefined,
      header: { 'content-type': 'application/json', ...headers },
      timeout: 15000,
      success: (r) => resolve({ status: r.statusCode, data: r.data }),
      fail: () => reject(new ApiError('NETWORK', messageFor('NETWORK'), 0)),
    });
  });
}

function failure(r: Raw): ApiError {
  const body = (r.data ?? {}) as Partial<ErrorBody>;
  const code = body.code ?? (r.status >= 500 ? 'SERVER_BUSY' : 'UNKNOWN');
  const detail = body.message ?? '';
  return new ApiError(code, messageOf(code, detail), r.status, detail);
}

/** The stored tokens, if signed in. */
export function tokens(): TokenPair | null {
  return (wx.getStorageSync(TOKENS) as TokenPair | '') || null;
}

function keep(t: TokenPair): void {
  wx.setStorageSync(TOKENS, t);
}

/** Forgets the session (tokens and who we are). */
export function forget(): void {
  wx.removeStorageSync(TOKENS);
}

function wxLoginCode(): Promise<string> {
  return new Promise((resolve, reject) => {
    wx.login({
      success: (r) => resolve(r.code),
      fail: () => reject(new ApiError('NETWORK', messageFor('NETWORK'), 0)),
    });
  });
}

/** Signs in with WeChat: `wx.login`'s code for the county's tokens. */
export async function signIn(): Promise<LoginResponse> {
  const code = await wxLoginCode();
  // The appid names the county; the developer tools' tourist appid (no
  // county's) leaves it to the server's only county, as on the demo.
  const appid = wx.getAccountInfoSync().miniProgram.appId;
  const body = appid && appid !== 'touristappid' ? { code, appid } : { code };
  const r = await raw('POST', '/api/v1/auth/wechat-login', body, {});
  if (r.status !== 200) {
    throw failure(r);
  }
  const login = r.data as LoginResponse;
  keep(login);
  return login;
}

let refreshing: Promise<void> | null = null;

/** Trades the refresh token for a new pair, once for all waiting calls;
 * when the session is over, signs in again. */
function renew(): Promise<void> {
  if (!refreshing) {
    refreshing = (async () => {
      const t = tokens();
      const r = t ? await raw('POST', '/api/v1/auth/refresh', { refresh_token: t.refresh_token }, {}) : null;
      if (r && r.status === 200) {
        keep(r.data as TokenPair);
      } else {
        forget();
        await signIn();
      }
    })().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

/** Options of one call. */
export interface CallOptions {
  /** Sent as `Idempotency-Key`: the call may then be retried safely. */
  idempotencyKey?: string;
  /** Without a token (sign-in, public pages). */
  anonymous?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Calls the API; resolves with the answer's body, rejects with `ApiError`. */
export async function api<T>(method: Method, path: string, body?: unknown, opts: CallOptions = {}): Promise<T> {
  const retriable = method === 'GET' || opts.idempotencyKey !== undefined;
  let renewed = false;
  for (let attempt = 0; ; attempt++) {
    if (!opts.anonymous && !tokens()) {
      await signIn();
    }
    const headers: Record<string, string> = {};
    const t = tokens();
    if (!opts.anonymous && t) {
      headers.authorization = `Bearer ${t.access_token}`;
    }
    if (opts.idempotencyKey) {
      headers['idempotency-key'] = opts.idempotencyKey;
    }
    let r: Raw;
    try {
      r = await raw(method, path, body, headers);
    } catch (e) {
      if (retriable && attempt < 2) {
        await sleep(300 * (attempt + 1));
        continue;
      }
      throw e;
    }
    if (r.status >= 200 && r.status < 300) {
      return r.data as T;
    }
    if (r.status === 401 && !opts.anonymous && !renewed) {
      renewed = true;
      await renew();
      continue;
    }
    if ((r.status === 503 || r.status === 429) && retriable && attempt < 2) {
      await sleep(500 * (attempt + 1));
      continue;
    }
    throw failure(r);
  }
}

/** A fresh idempotency key for one user action. */
export function newKey(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}
