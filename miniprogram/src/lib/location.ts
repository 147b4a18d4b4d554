/**
 * The rider's position while on duty: `wx.startLocationUpdate` (the
 * foreground updates; background ones need a separate permission and
 * review) feeds `wx.onLocationChange`, and the points go to the server in
 * batches (`POST /rider/location` takes up to 100), so that a moving rider
 * costs one request every few seconds, not one per fix.
 */
import { config } from '../config';
import { api } from './request';
import type { LocationReport } from './types';

interface Point {
  lat: number;
  lng: number;
  at: string;
}

let pending: Point[] = [];
let last: { lat: number; lng: number } | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;
let running = false;

function onChange(r: WechatMiniprogram.OnLocationChangeListenerResult): void {
  last = { lat: r.latitude, lng: r.longitude };
  pending.push({ ...last, at: new Date().toISOString() });
  if (pending.length >= 100) {
    flush().catch(() => undefined);
  } else if (!timer) {
    timer = setTimeout(() => {
      flush().catch(() => undefined);
    }, config.locationFlushMs);
  }
}

/** Sends the points gathered so far; kept for the next try if the call fails. */
export async function flush(): Promise<LocationReport | null> {
  if (timer) {
    clearTimeout(timer);
    timer = undefined;
  }
  if (pending.length === 0) {
    return null;
  }
  const points = pending.splice(0, 100);
  try {
    return await api<LocationReport>('POST', '/api/v1/rider/location', { points });
  } catch (e) {
    // Older points first; the server drops what is older than it knows.
    pending = points.concat(pending).slice(-100);
    throw e;
  }
}

/** Starts reporting (asks for the location permission the first time). */
export function start(): Promise<void> {
  if (running) {
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    wx.startLocationUpdate({
      success: () => {
        running = true;
        wx.onLocationChange(onChange);
        resolve();
      },
      fail: () => reject(new Error('location refused')),
    });
  });
}

/** Stops reporting, sending what is left. */
export async function stop(): Promise<void> {
  if (running) {
    wx.offLocationChange(onChange);
    wx.stopLocationUpdate({});
    running = false;
    // No updates any more: the phone is asked afresh next time.
    last = null;
  }
  await flush().catch(() => undefined);
}

/** The latest position, or the phone's position now. */
export function here(): Promise<{ lat: number; lng: number }> {
  if (last) {
    return Promise.resolve(last);
  }
  return new Promise((resolve, reject) => {
    wx.getLocation({
      type: 'gcj02',
      success: (r) => resolve({ lat: r.latitude, lng: r.longitude }),
      fail: () => reject(new Error('no position')),
    });
  });
}

/** Whether updates are running. */
export function reporting(): boolean {
  return running;
}
