/**
 * A page's polling: one timer per page instance, none after the page is
 * gone (a call still in flight when the page unloads schedules nothing).
 */
const timers = new Map<object, ReturnType<typeof setTimeout> | undefined>();

/** The page is shown: its polling may run. */
export function begin(page: object): void {
  if (!timers.has(page)) {
    timers.set(page, undefined);
  }
}

/** Runs `f` after `ms`, unless the page has gone meanwhile; replaces a pending run. */
export function again(page: object, ms: number, f: () => unknown): void {
  if (!timers.has(page)) {
    return;
  }
  clearTimeout(timers.get(page));
  timers.set(
    page,
    setTimeout(() => {
      timers.set(page, undefined);
      f();
    }, ms),
  );
}

/** Stops the pending run (the page stays live). */
export function pause(page: object): void {
  if (timers.has(page)) {
    clearTimeout(timers.get(page));
    timers.set(page, undefined);
  }
}

/** The page is gone: nothing more runs for it. */
export function end(page: object): void {
  clearTimeout(timers.get(page));
  timers.delete(page);
}
