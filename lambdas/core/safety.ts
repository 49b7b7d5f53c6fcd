/**
 * Safety rules that stop a run before it does damage: the deletion guard and plan expiry.
 */
import { DeletionGuardError, PlanExpiredError } from './errors';
import type { Plan } from './plan';

export interface GuardOptions {
  /** Trip when deletions exceed this share (percent) of the owned users or groups... */
  maxDeletionPercent: number;
  /** ...and exceed this count. */
  deletionGuardFloor: number;
  /** The execution input's override. */
  allowMassDeletion: boolean;
}

export interface GuardVerdict {
  tripped: boolean;
  reasons: string[];
  deletes: { users: number; groups: number; memberships: number };
}

/**
 * The deletion guard. It trips when
 * - the source is empty (no users or no groups) and the plan deletes anything: an empty read is far
 *   more often a broken credential, filter or API than a real "everyone left"; or
 * - the plan deletes more than maxDeletionPercent of the owned users (or groups) and more than
 *   deletionGuardFloor of them; or
 * - the plan removes more than maxDeletionPercent of the provider's managed memberships (its users
 *   in its groups) and more than deletionGuardFloor of them: teams that come back empty take access
 *   away as surely as deleted users do.
 * `allowMassDeletion` lets a tripped plan through (the verdict still says why it would have tripped).
 */
export function deletionGuard(
  plan: Pick<Plan, 'ops' | 'owned' | 'source'>,
  opts: GuardOptions,
): GuardVerdict {
  let users = 0;
  let groups = 0;
  let memberships = 0;
  for (const op of plan.ops) {
    if (op.op === 'deleteUser') users++;
    else if (op.op === 'deleteGroup') groups++;
    else if (op.op === 'removeMember') memberships++;
  }
  const reasons: string[] = [];
  if ((plan.source.users === 0 || plan.source.groups === 0) && users + groups > 0) {
    reasons.push(
      `the source snapshot is empty (${plan.source.users} users, ${plan.source.groups} groups) and the plan deletes ${users} users and ${groups} groups`,
    );
  }
  const check = (verb: string, what: string, n: number, owned: number) => {
    if (n > opts.deletionGuardFloor && n * 100 > opts.maxDeletionPercent * owned) {
      const pct = owned ? ((n * 100) / owned).toFixed(1) : '100';
      reasons.push(
        `the plan ${verb} ${n} of ${owned} ${what} (${pct}% > maxDeletionPercent ${opts.maxDeletionPercent}%)`,
      );
    }
  };
  check('deletes', 'owned users', users, plan.owned.users);
  check('deletes', 'owned groups', groups, plan.owned.groups);
  check('removes', 'managed memberships', memberships, plan.owned.memberships);
  return {
    tripped: reasons.length > 0 && !opts.allowMassDeletion,
    reasons,
    deletes: { users, groups, memberships },
  };
}

/** Throws DeletionGuardError when the guard trips, with what to check and how to override. */
export function enforceDeletionGuard(
  plan: Pick<Plan, 'ops' | 'owned' | 'source' | 'provider'>,
  opts: GuardOptions,
): GuardVerdict {
  const v = deletionGuard(plan, opts);
  if (v.tripped) {
    throw new DeletionGuardError(
      `deletion guard tripped for ${plan.provider}: ${v.reasons.join('; ')}. Nothing was changed. ` +
        'Check that the source is complete (credentials, filters, ignore lists) with a dry run; if the deletions are intended, ' +
        'start an execution with {"allowMassDeletion": true}.',
    );
  }
  return v;
}

/** Refuses to apply a plan older than maxAgeHours (a redrive days later must not replay stale decisions). */
export function assertPlanFresh(createdAt: string, maxAgeHours: number, now: Date): void {
  const ageMs = now.getTime() - Date.parse(createdAt);
  if (!(ageMs <= maxAgeHours * 3600_000)) {
    const hours = (ageMs / 3600_000).toFixed(1);
    throw new PlanExpiredError(
      `the plan was made at ${createdAt} (${hours} h ago), more than planMaxAgeHours (${maxAgeHours}) ago; ` +
        'it is not applied. Start a new execution instead of re-driving this one.',
    );
  }
}
