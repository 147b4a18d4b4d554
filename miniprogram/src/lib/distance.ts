/** A distance in metres as a list shows it: `850m`, `1.2km`. */
export function metres(m: number): string {
  return m >= 1000 ? `${(m / 1000).toFixed(1)}km` : `${m}m`;
}
