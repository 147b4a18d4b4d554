/** Fen as yuan for display: 2800 → "28.00". */
export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const f = Math.abs(Math.trunc(fen));
  return `${sign}${Math.floor(f / 100)}.${String(f % 100).padStart(2, '0')}`;
}
