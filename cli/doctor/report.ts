/** The doctor's checklist: one line per check (✓, !, ✗ or – skipped), with what to fix under each ✗ and !. */

export type Verdict = 'ok' | 'warn' | 'fail' | 'skip';

export interface Check {
  name: string;
  verdict: Verdict;
  /** What was found (never a secret value). */
  detail: string;
  /** What to change, for ✗ and !. */
  fix?: string;
}

export const ok = (name: string, detail: string): Check => ({ name, verdict: 'ok', detail });
export const warn = (name: string, detail: string, fix: string): Check => ({
  name,
  verdict: 'warn',
  detail,
  fix,
});
export const fail = (name: string, detail: string, fix: string): Check => ({
  name,
  verdict: 'fail',
  detail,
  fix,
});
export const skip = (name: string, detail: string): Check => ({ name, verdict: 'skip', detail });

const MARK: Record<Verdict, string> = { ok: '✓', warn: '!', fail: '✗', skip: '–' };

export function checklistLines(checks: Check[]): string[] {
  const out: string[] = [];
  for (const c of checks) {
    out.push(`  ${MARK[c.verdict]} ${c.name}: ${c.detail}`);
    if (c.fix && c.verdict !== 'ok') out.push(`      fix: ${c.fix}`);
  }
  const failed = checks.filter((c) => c.verdict === 'fail').length;
  const warned = checks.filter((c) => c.verdict === 'warn').length;
  const passed = checks.filter((c) => c.verdict === 'ok').length;
  out.push('');
  out.push(
    failed
      ? `${failed} of ${checks.length} checks failed${warned ? `, ${warned} to watch` : ''}: fix ${failed > 1 ? 'them' : 'it'} and run doctor again.`
      : `all ${passed} checks passed${warned ? `, ${warned} to watch` : ''}${checks.length > passed + warned ? ` (${checks.length - passed - warned} skipped)` : ''}.`,
  );
  return out;
}
