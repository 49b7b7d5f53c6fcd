/** Printing helpers shared by the benchmarks: every bench prints plain aligned tables. */
export type Row = Record<string, string | number>;

export function printTable(title: string, rows: Row[]): void {
  process.stdout.write(`\n## ${title}\n\n`);
  if (rows.length === 0) {
    process.stdout.write('(no rows)\n');
    return;
  }
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: string | number | undefined) =>
    v === undefined ? '' : typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : v;
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => `| ${vals.map((v, i) => v.padEnd(widths[i] ?? 0)).join(' | ')} |\n`;
  process.stdout.write(line(cols));
  process.stdout.write(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) process.stdout.write(line(cols.map((c) => cell(r[c]))));
}

/**
 * Wall time and peak heap while an async fn runs, heap sampled every 5 ms: a lower bound, since a
 * timer cannot sample synchronous stretches (the engine bench measures the planner with v8.GCProfiler).
 */
export async function measure<T>(
  fn: () => Promise<T> | T,
): Promise<{ result: T; ms: number; peakHeapMb: number }> {
  let peak = process.memoryUsage().heapUsed;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 5);
  const t0 = performance.now();
  try {
    const result = await fn();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    return { result, ms: performance.now() - t0, peakHeapMb: peak / 1024 / 1024 };
  } finally {
    clearInterval(timer);
  }
}
