import type { Io } from '../../cli/aws/client';

/** The CLI's output, kept: what a person would have seen on stdout and stderr. */
export function capture(isTTY = false): Io & { stdout: () => string; stderr: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    isTTY,
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}
