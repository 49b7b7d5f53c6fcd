/**
 * The data the sync engine works on, as zod schemas (the boundary checks) and their types.
 *
 * - A SourceSnapshot is what a provider (GitHub, Entra) says should exist: users keyed by UserName,
 *   groups keyed by DisplayName, group members as UserNames.
 * - A TargetSnapshot is what the Identity Store holds: users, groups and memberships with their ids.
 *
 * UserName and group DisplayName are unique in the Identity Store ignoring case, so every lookup by
 * name goes through `nameKey`.
 */
import { z } from 'zod';

export const PROVIDERS = ['github', 'entra'] as const;
export const ProviderSchema = z.enum(PROVIDERS);
export type Provider = z.infer<typeof ProviderSchema>;

/** The key under which a UserName or group DisplayName is unique in the Identity Store. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

export const EmailSchema = z.object({
  value: z.string().min(1),
  type: z.string().min(1),
  primary: z.boolean(),
});
export type Email = z.infer<typeof EmailSchema>;

export const PersonNameSchema = z.object({
  givenName: z.string().min(1),
  familyName: z.string().min(1),
  formatted: z.string().min(1).optional(),
});
export type PersonName = z.infer<typeof PersonNameSchema>;

export const SourceUserSchema = z.object({
  userName: z.string().min(1).max(128),
  displayName: z.string().min(1),
  name: PersonNameSchema,
  /** The Identity Store holds at most one email per user. */
  email: EmailSchema,
});
export type SourceUser = z.infer<typeof SourceUserSchema>;

export const SourceGroupSchema = z.object({
  displayName: z.string().min(1).max(1024),
  /** When set, the group's Description is kept equal to it (GitHub writes its ownership marker here). */
  description: z.string().min(1).optional(),
  /** UserNames of the members (each must be a user of the snapshot). */
  members: z.array(z.string().min(1)),
});
export type SourceGroup = z.infer<typeof SourceGroupSchema>;

export const SourceSnapshotSchema = z
  .object({
    provider: ProviderSchema,
    fetchedAt: z.iso.datetime(),
    users: z.array(SourceUserSchema),
    groups: z.array(SourceGroupSchema),
    /** Things the run should surface but that do not stop it (e.g. a credential expiring soon). */
    warnings: z.array(z.string()).default([]),
  })
  .superRefine((snap, ctx) => {
    const users = new Set<string>();
    for (const [i, u] of snap.users.entries()) {
      const k = nameKey(u.userName);
      if (users.has(k)) {
        ctx.addIssue({
          code: 'custom',
          path: ['users', i, 'userName'],
          message: `duplicate UserName ${u.userName}`,
        });
      }
      users.add(k);
    }
    const groups = new Set<string>();
    for (const [i, g] of snap.groups.entries()) {
      const k = nameKey(g.displayName);
      if (groups.has(k)) {
        ctx.addIssue({
          code: 'custom',
          path: ['groups', i, 'displayName'],
          message: `duplicate group ${g.displayName}`,
        });
      }
      groups.add(k);
      for (const m of g.members) {
        if (!users.has(nameKey(m))) {
          ctx.addIssue({
            code: 'custom',
            path: ['groups', i, 'members'],
            message: `member ${m} of ${g.displayName} is not a user of the snapshot`,
          });
        }
      }
    }
  });
export type SourceSnapshot = z.infer<typeof SourceSnapshotSchema>;

export const TargetUserSchema = z.object({
  userId: z.string().min(1),
  userName: z.string().min(1),
  displayName: z.string().optional(),
  name: z
    .object({
      givenName: z.string().optional(),
      familyName: z.string().optional(),
      formatted: z.string().optional(),
    })
    .optional(),
  emails: z.array(EmailSchema.partial()).optional(),
});
export type TargetUser = z.infer<typeof TargetUserSchema>;

export const TargetGroupSchema = z.object({
  groupId: z.string().min(1),
  displayName: z.string().min(1),
  description: z.string().optional(),
});
export type TargetGroup = z.infer<typeof TargetGroupSchema>;

export const TargetMembershipSchema = z.object({
  membershipId: z.string().min(1),
  groupId: z.string().min(1),
  userId: z.string().min(1),
});
export type TargetMembership = z.infer<typeof TargetMembershipSchema>;

export const TargetSnapshotSchema = z.object({
  identityStoreId: z.string().min(1),
  fetchedAt: z.iso.datetime(),
  users: z.array(TargetUserSchema),
  groups: z.array(TargetGroupSchema),
  /** Memberships of the groups listed in membershipsReadFor (and only those). */
  memberships: z.array(TargetMembershipSchema),
  /** GroupIds whose memberships were read completely. The planner never guesses about the others. */
  membershipsReadFor: z.array(z.string()),
});
export type TargetSnapshot = z.infer<typeof TargetSnapshotSchema>;

const UserAttrsSchema = z.object({
  displayName: z.string().min(1),
  name: PersonNameSchema,
  email: EmailSchema,
});

/**
 * One change to the Identity Store. Entities that exist carry their ids; entities created in the
 * same plan are named (the apply step resolves their ids). Every operation is idempotent.
 */
export const OperationSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('createGroup'), displayName: z.string(), description: z.string().optional() }),
  z.object({
    op: z.literal('updateGroup'),
    groupId: z.string(),
    displayName: z.string(),
    description: z.string(),
    reason: z.enum(['adopt', 'changed']),
  }),
  z.object({ op: z.literal('createUser'), userName: z.string() }).extend(UserAttrsSchema.shape),
  z.object({
    op: z.literal('updateUser'),
    userId: z.string(),
    userName: z.string(),
    /** Only the attributes that changed. */
    set: UserAttrsSchema.partial(),
  }),
  z.object({
    op: z.literal('addMember'),
    group: z.string(),
    user: z.string(),
    groupId: z.string().optional(),
    userId: z.string().optional(),
  }),
  z.object({
    op: z.literal('removeMember'),
    group: z.string(),
    user: z.string(),
    membershipId: z.string(),
    groupId: z.string(),
    userId: z.string(),
  }),
  z.object({ op: z.literal('deleteUser'), userId: z.string(), userName: z.string() }),
  z.object({ op: z.literal('deleteGroup'), groupId: z.string(), displayName: z.string() }),
]);
export type Operation = z.infer<typeof OperationSchema>;
export type OperationKind = Operation['op'];
export type OperationOf<K extends OperationKind> = Extract<Operation, { op: K }>;

/** Why an entity the source names is left alone. */
export const ConflictSchema = z.object({
  kind: z.enum(['user', 'group']),
  name: z.string(),
  existingId: z.string(),
  /** 'foreign': owned by another provider; 'unowned': made by hand or by another tool. */
  owner: z.enum(['foreign', 'unowned']),
  message: z.string(),
});
export type Conflict = z.infer<typeof ConflictSchema>;

/** Apply phases, in the order the state machine runs them. */
export const PHASES = ['creates', 'memberships', 'deletes'] as const;
export const PhaseSchema = z.enum(PHASES);
export type Phase = z.infer<typeof PhaseSchema>;

export const PHASE_OF: Record<OperationKind, Phase> = {
  createGroup: 'creates',
  updateGroup: 'creates',
  createUser: 'creates',
  updateUser: 'creates',
  addMember: 'memberships',
  removeMember: 'memberships',
  deleteUser: 'deletes',
  deleteGroup: 'deletes',
};

/** Outcome of one operation when applied. */
export const OpResultSchema = z.object({
  status: z.enum(['done', 'already-done', 'conflict', 'failed']),
  /** Error name for 'failed' and 'conflict' (e.g. ThrottlingException, ConflictException). */
  error: z.string().optional(),
  message: z.string().optional(),
  retryable: z.boolean().optional(),
});
export type OpResult = z.infer<typeof OpResultSchema>;
