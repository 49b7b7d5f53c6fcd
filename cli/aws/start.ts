/**
 * `scim-sync start <provider>`: one run of the deployed state machine, optionally followed to the
 * end; `scim-sync plan <provider>`: a dry run, followed to the end, shown as a table of changes.
 */
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Provider } from '../../lambdas/core/model';
import {
  type Aws,
  CliError,
  COMMON_USAGE,
  consoleLink,
  executionName,
  findMachine,
  type Io,
  parseProvider,
  processIo,
  withAws,
} from './client';
import { type FollowResult, follow, outcomeLines } from './follow';
import { planLines, planRows } from './render';

export const START_USAGE = `usage: scim-sync start <github|entra> [--dry-run] [--allow-mass-deletion] [--wait] ${COMMON_USAGE}`;
export const PLAN_USAGE = `usage: scim-sync plan <github|entra> ${COMMON_USAGE}`;

async function startExecution(aws: Aws, provider: Provider, input: Record<string, boolean>, prefix: string) {
  const machine = await findMachine(aws, provider);
  const name = executionName(prefix);
  const r = await aws.client.send(
    new StartExecutionCommand({ stateMachineArn: machine.arn, name, input: JSON.stringify(input) }),
  );
  if (!r.executionArn) throw new CliError(`StartExecution of ${machine.name} returned no execution ARN`);
  return { machine, name, executionArn: r.executionArn, startDate: r.startDate };
}

export function startCommand(argv: string[], io: Io = processIo()): Promise<number> {
  const extra = {
    'dry-run': { type: 'boolean', default: false },
    'allow-mass-deletion': { type: 'boolean', default: false },
    wait: { type: 'boolean', default: false },
  } as const;
  return withAws(argv, START_USAGE, extra, io, async (aws, values, positionals) => {
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
  return ok ? 0 : 1;
}

export function planCommand(argv: string[], io: Io = processIo()): Promise<number> {
  return withAws(argv, PLAN_USAGE, {}, io, async (aws, values, positionals) => {
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
    if (json) {
      // stdout holds the rows only; what they leave out goes to stderr
      if (summary.changesNotListed > 0)
        io.err(
          `${summary.changesNotListed} more changes are not listed; the full plan is ${summary.planKey} in the run-data bucket\n`,
        );
      io.out(`${JSON.stringify(planRows(summary), null, 2)}\n`);
      return 0;
    }
    io.out(`\n${planLines(summary).join('\n')}\n`);
    return 0;
  });
}
