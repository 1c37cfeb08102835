/** Pure helpers of the benchmark: percentiles and the printed table. */

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function round(n: number, digits = 2): number {
  if (!Number.isFinite(n)) return n;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** Two columns, left-aligned labels: what a person reads before the JSON line. */
export function table(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n');
}

/** JSON has no NaN/Infinity: a figure that could not be measured is null. */
export function jsonSafe(value: Record<string, number | string | boolean | null>): Record<string, number | string | boolean | null> {
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === 'number' && !Number.isFinite(v) ? null : v]));
}
