/**
 * `scim-sync start <provider>`: one run of the deployed state machine, optionally followed to the
 * end; `scim-sync plan <provider>`: a dry run, followed to the end, shown as a table of changes.
 */
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Provider } from '../../lambdas/core/model';
import {
  type Aws,
  CliError,
  consoleLink,
  executionName,
  findMachine,
  type Io,
  type Parsed,
  parseProvider,
  processIo,
  withAws,
} from './client';
import type { RunReport } from '../../lambdas/core/report';
import type { RunSummary } from '../../lambdas/handlers/report';
import { loadReport } from '../report';
import { type FollowResult, follow, outcomeLines } from './follow';
import { planLines, planRows } from './render';

/** The exit code of a dry run whose plan a real run's deletion guard would stop (docs/runbook.md#the-cli). */
export const EXIT_GUARD_WOULD_STOP = 3;

async function startExecution(aws: Aws, provider: Provider, input: Record<string, boolean>, prefix: string) {
  const machine = await findMachine(aws, provider);
  const name = executionName(prefix);
  const r = await aws.client.send(
    new StartExecutionCommand({ stateMachineArn: machine.arn, name, input: JSON.stringify(input) }),
  );
  if (!r.executionArn) throw new CliError(`StartExecution of ${machine.name} returned no execution ARN`);
  return { machine, name, executionArn: r.executionArn, startDate: r.startDate };
}

export function startCommand(parsed: Parsed, io: Io = processIo()): Promise<number> {
  return withAws(parsed, io, async (aws, values, positionals) => {
    const provider = parseProvider(positionals[0]);
    const input: Record<string, boolean> = {};
    if (values['dry-run']) input.dryRun = true;
    if (values['allow-mass-deletion']) input.allowMassDeletion = true;
    const s = await startExecution(aws, provider, input, 'manual');
    const link = consoleLink(aws.region, s.executionArn);
    if (!values.json) {
      io.out(`started ${s.machine.name} execution ${s.name} with input ${JSON.stringify(input)}\n`);
      io.out(`  execution: ${s.executionArn}\n  console:   ${link}\n`);
    }
    if (!values.wait) {
      if (values.json)
        io.out(`${JSON.stringify({ executionArn: s.executionArn, name: s.name, console: link }, null, 2)}\n`);
      else io.out(`  follow it: scim-sync status ${provider}, or start with --wait\n`);
      return 0;
    }
    const r = await follow(aws, s.executionArn, io, { quiet: Boolean(values.json) });
    return finish(r, provider, io, Boolean(values.json));
  });
}

function finish(r: FollowResult, provider: string, io: Io, json: boolean): number {
  const ok = r.execution.status === 'SUCCEEDED';
  if (json) {
    if (r.summary) io.out(`${JSON.stringify(r.summary, null, 2)}\n`);
  } else {
    io.out(`\n${outcomeLines(r, provider).join('\n')}\n`);
  }
  if (!ok) io.err(`${r.execution.error ?? r.execution.status}: ${r.execution.cause ?? ''}\n`);
  if (ok && r.summary) return guardExit(r.summary, io);
  return ok ? 0 : 1;
}

/** A dry run that a real run's deletion guard would stop ends with EXIT_GUARD_WOULD_STOP. */
function guardExit(s: RunSummary, io: Io): number {
  if (s.guard?.verdict !== 'would-stop') return 0;
  io.err(
    `dry run: a real run would be stopped by the deletion guard (${s.guard.reasons.join('; ')}); exit code ${EXIT_GUARD_WOULD_STOP}\n`,
  );
  return EXIT_GUARD_WOULD_STOP;
}

/** The complete report of a finished run, or undefined (with a note) when it cannot be read. */
async function reportOf(
  aws: Aws,
  s: RunSummary,
  profile: string | undefined,
  io: Io,
): Promise<RunReport | undefined> {
  if (!s.report) return undefined;
  try {
    return await loadReport(s.report.json, 'SUCCEEDED', {
      region: aws.region,
      ...(profile ? { profile } : {}),
    });
  } catch (err) {
    io.err(
      `note: could not read the report ${s.report.json} (${(err as Error).message}); showing the summary's changes only\n`,
    );
    return undefined;
  }
}

export function planCommand(parsed: Parsed, io: Io = processIo()): Promise<number> {
  return withAws(parsed, io, async (aws, values, positionals) => {
    const provider = parseProvider(positionals[0]);
    const json = Boolean(values.json);
    const s = await startExecution(aws, provider, { dryRun: true }, 'plan');
    if (!json) {
      io.out(`dry run ${s.name} of ${s.machine.name}: nothing will be changed\n`);
      io.out(`  console: ${consoleLink(aws.region, s.executionArn)}\n`);
    }
    const r = await follow(aws, s.executionArn, io, { quiet: json });
    const summary = r.summary;
    if (r.execution.status !== 'SUCCEEDED' || !summary) {
      if (!json) io.out(`\n${outcomeLines(r, provider).join('\n')}\n`);
      io.err(`${r.execution.error ?? r.execution.status}: ${r.execution.cause ?? ''}\n`);
      return 1;
    }
    const report = await reportOf(aws, summary, values.profile as string | undefined, io);
    if (json) {
      // stdout holds the rows only; what they leave out goes to stderr
      if (summary.changesNotListed > 0 && !report)
        io.err(
          `${summary.changesNotListed} more changes are not listed; the full plan is ${summary.planKey} in the run-data bucket\n`,
        );
      io.out(`${JSON.stringify(planRows(summary, report), null, 2)}\n`);
      return guardExit(summary, io);
    }
    io.out(`\n${planLines(summary, report).join('\n')}\n`);
    return guardExit(summary, io);
  });
}
