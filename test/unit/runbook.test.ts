/**
 * docs/runbook.md against the code: a section per named error (with what it means, whether it is
 * retried, as the definition says, what to check and what to do), no error names the code does not
 * have, every runbook link the code prints, and the resource and metric names the code uses.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NAMED_ERRORS } from '../../lambdas/core/errors';

const ROOT = join(__dirname, '..', '..');
const runbook = readFileSync(join(ROOT, 'docs', 'runbook.md'), 'utf8');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
const ours: string[] = NAMED_ERRORS.map((E) => new E('x').name);

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\s-]/g, '')
    .replace(/\s/g, '-');

/** `## title` → its body, up to the next heading of the same or a higher level. */
function sections(text: string, level: number): Map<string, string> {
  const out = new Map<string, string>();
  const marker = `${'#'.repeat(level)} `;
  let current: string | undefined;
  let body: string[] = [];
  const flush = () => {
    if (current !== undefined) out.set(current, body.join('\n'));
  };
  for (const line of text.split('\n')) {
    const m = /^(#+) (.*)$/.exec(line);
    if (m && m[1]!.length <= level) {
      flush();
      current = m[1]!.length === level && line.startsWith(marker) ? m[2]! : undefined;
      body = [];
    } else if (current !== undefined) body.push(line);
  }
  flush();
  return out;
}

const h2 = sections(runbook, 2);
const errorSections = (title: string) => sections(h2.get(title) ?? '', 3);
const ourSections = errorSections('Troubleshooting: scim-sync errors');
const awsSections = errorSections('Troubleshooting: AWS errors');

/** Every error name that some Retry of the definition matches. */
function retriedByDefinition(): Set<string> {
  const names = new Set<string>();
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'Retry')
          for (const r of x as { ErrorEquals: string[] }[]) for (const e of r.ErrorEquals) names.add(e);
        walk(x);
      }
    }
  };
  walk(JSON.parse(read('statemachines/sync.asl.json')));
  return names;
}

function field(body: string, label: string): string {
  const m = new RegExp(`\\*\\*${label}:\\*\\*([\\s\\S]*?)(?=\\n\\*\\*[A-Z][a-z]+:\\*\\*|$)`).exec(body);
  return (m?.[1] ?? '').replace(/\s+/g, ' ').trim();
}

describe('docs/runbook.md', () => {
  it('has a section per named error in lambdas/core/errors.ts, and lists no other error as ours', () => {
    expect(ourSections.size).toBeGreaterThan(0);
    expect([...ourSections.keys()].sort()).toEqual([...ours].sort());
  });

  it.each(ours)('### %s says what it means, whether it is retried, what to check and what to do', (name) => {
    const body = ourSections.get(name) ?? '';
    for (const label of ['Means', 'Check', 'Do']) expect(field(body, label).length).toBeGreaterThan(40);
    expect(field(body, 'Retried')).toMatch(/^(yes|no)\b/);
  });

  it('says "Retried: yes" exactly for the errors the state machine retries', () => {
    const retried = retriedByDefinition();
    for (const [name, body] of [...ourSections, ...awsSections]) {
      const says = field(body, 'Retried').startsWith('yes');
      expect({ name, retried: says }).toEqual({ name, retried: retried.has(name) });
    }
    for (const name of retried) expect(awsSections.has(name) || ourSections.has(name)).toBe(true);
  });

  it('documents the AWS errors operators see, each with the same four parts', () => {
    for (const name of [
      'Lambda.ServiceException',
      'States.Timeout',
      'ThrottlingException',
      'ExecutionNotRedrivable',
    ])
      expect(awsSections.has(name)).toBe(true);
    for (const [name, body] of awsSections) {
      for (const label of ['Means', 'Check', 'Do'])
        expect({ name, label, text: field(body, label) }).toEqual({
          name,
          label,
          text: expect.stringMatching(/.{12}/),
        });
      expect(field(body, 'Retried')).toMatch(/^(yes|no)\b/);
    }
  });

  it('names no error of ours that the code does not have', () => {
    const foreign = new Set(['Error', 'TypeError', 'CredentialsProviderError']);
    const named = new Set([...runbook.matchAll(/(?<![.\w])([A-Z][A-Za-z]*Error)\b/g)].map((m) => m[1]!));
    for (const n of named) if (!foreign.has(n)) expect(ours).toContain(n);
  });

  it('has every anchor the code links to (docs/runbook.md#...), and one per error for the CLI', () => {
    const anchors = new Set([...runbook.matchAll(/^#+ (.*)$/gm)].map((m) => slug(m[1]!)));
    const linked = new Set<string>();
    for (const dir of ['lambdas', 'infra', 'cli', 'local']) {
      for (const f of readdirSync(join(ROOT, dir), { recursive: true }) as string[]) {
        if (!f.endsWith('.ts')) continue;
        for (const m of read(join(dir, f)).matchAll(/runbook\.md#([a-z0-9-]+)/g)) linked.add(m[1]!);
      }
    }
    expect(linked.size).toBeGreaterThan(0);
    for (const a of [...linked, ...ours.map((n) => n.toLowerCase())]) expect(anchors).toContain(a);
    // and the runbook's own links
    for (const m of runbook.matchAll(/\]\(#([a-z0-9-]+)\)/g)) expect(anchors).toContain(m[1]);
  });

  it('names the resources as the infrastructure code does', () => {
    const functions = read('infra/functions.ts');
    const entries = [...functions.matchAll(/entry: '([a-z-]+)'/g)].map((m) => m[1]!);
    expect(entries).toHaveLength(7);
    for (const e of entries) expect(runbook).toContain(`-${e}`);
    const alerting = read('infra/alerting.ts');
    const alarms = [...alerting.matchAll(/alarmName: `scim-sync-\$\{p\}-([a-z-]+)`/g)].map((m) => m[1]!);
    expect(alarms.length).toBeGreaterThanOrEqual(6);
    for (const a of alarms) expect(runbook).toContain(`-${a}`);
    expect(runbook).toContain(`\`${/FAILURE_RULE_NAME = '([^']+)'/.exec(alerting)?.[1]}\``);
    expect(runbook).toContain(`\`${/ALERT_TOPIC_NAME = '([^']+)'/.exec(read('infra/shared.ts'))?.[1]}\``);
    expect(runbook).toContain(
      `\`${/namespace: '([^']+)'|METRICS_NAMESPACE = '([^']+)'/.exec(read('lambdas/runtime/powertools.ts'))?.[2]}\``,
    );
  });

  it('lists every metric the Lambdas publish', () => {
    const metrics = new Set<string>();
    for (const f of readdirSync(join(ROOT, 'lambdas'), { recursive: true }) as string[]) {
      if (!f.endsWith('.ts')) continue;
      for (const call of read(join('lambdas', f)).matchAll(/addMetric\(([\s\S]*?)MetricUnit/g))
        for (const m of call[1]!.matchAll(/'([A-Z][A-Za-z]+)'/g)) metrics.add(m[1]!);
    }
    expect(metrics.size).toBeGreaterThanOrEqual(12);
    for (const m of metrics) expect(runbook).toContain(`\`${m}\``);
  });
});
