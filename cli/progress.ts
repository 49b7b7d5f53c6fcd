/**
 * Progress of the apply phases, as the local runner and `start --wait` show it: operations done of
 * the total, the current Identity Store call rate, throttled calls and retries, and an ETA. One
 * line, redrawn on a terminal; elsewhere a line every few seconds.
 */
import type { ApplyProgress } from '../local/progress';
import { duration } from './aws/render';

const n = (x: number) => x.toLocaleString('en-GB');

export function progressLine(p: ApplyProgress): string {
  const pct = p.total ? ` (${Math.floor((100 * p.done) / p.total)}%)` : '';
  const parts = [
    `${p.state}: ${n(p.done)}/${n(p.total)} operations${pct}`,
    ...(p.callsPerSecond !== undefined ? [`${p.callsPerSecond.toFixed(1)} calls/s`] : []),
    `${n(p.throttled)} throttled`,
    `${n(p.retries)} retried${p.batchRetries ? `, ${n(p.batchRetries)} batch retries` : ''}`,
    ...(p.etaSeconds !== undefined && p.allDone < p.allTotal
      ? [`ETA ${duration(new Date(0), new Date(p.etaSeconds * 1000))}`]
      : []),
  ];
  return parts.join(', ');
}

/**
 * Writes progress lines: redraws one line on a terminal; otherwise prints a line when the state
 * changes or `everyMs` has passed.
 */
export function progressWriter(write: (s: string) => void, isTTY: boolean, everyMs = 5000) {
  let last = 0;
  let lastState = '';
  let drawn = false;
  return {
    apply(p: ApplyProgress, now = Date.now()) {
      const line = `    ${progressLine(p)}`;
      if (isTTY) {
        write(`\r\x1b[2K${line}`);
        drawn = true;
      } else if (p.state !== lastState || now - last >= everyMs) {
        write(`${line}\n`);
        last = now;
      }
      lastState = p.state;
    },
    /** Before any other line: ends a redrawn line. */
    break() {
      if (drawn) write('\n');
      drawn = false;
    },
  };
}
