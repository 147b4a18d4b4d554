/** Times as the phone shows them, in its own (the county's) time zone. */

const two = (n: number) => String(n).padStart(2, '0');

/** `HH:MM`. */
export function clock(iso: string): string {
  const d = new Date(iso);
  return `${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** `M月D日 HH:MM`. */
export function when(iso: string): string {
  const d = new Date(iso);
  return `${d.getMonth() + 1}月${d.getDate()}日 ${clock(iso)}`;
}

/** `YYYY-MM-DD`. */
export function day(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
}
