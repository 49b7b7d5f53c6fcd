/**
 * The data the sync engine works on, as zod schemas (the boundary checks) and their types.
 *
 * - A SourceSnapshot is what a provider (GitHub, Entra) says should exist: users and groups, each
 *   with the source's stable id (GitHub user and team ids, Entra object ids), group members as user
 *   ids. Names are as the source has them: the planner decides which ones the Identity Store can
 *   hold (a name it cannot hold is a conflict of that one entity, not a failed read).
 * - A TargetSnapshot is what the Identity Store holds: users, groups and memberships with their ids.
 *
 * UserName and group DisplayName are unique in the Identity Store ignoring case, so every lookup by
 * name goes through `nameKey`.
 */
import { z } from 'zod';

export const PROVIDERS = ['github', 'entra'] as const;
export const ProviderSchema = z.enum(PROVIDERS);
export type Provider = z.infer<typeof ProviderSchema>;

/**
 * A name as the sync writes it: Unicode NFC (so that a composed and a decomposed "é" are one name)
 * without surrounding whitespace.
 */
export function normalizeName(name: string): string {
  return name.normalize('NFC').trim();
}

/** The key under which a UserName or group DisplayName is unique: normalized, ignoring case. */
export function nameKey(name: string): string {
  return normalizeName(name).toLowerCase();
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
  /** The source's stable id (GitHub user id, Entra object id): a rename keeps it. */
  id: z.string().min(1),
  userName: z.string().min(1),
  displayName: z.string().min(1),
  name: PersonNameSchema,
  /** The Identity Store holds at most one email per user. */
  email: EmailSchema,
});
export type SourceUser = z.infer<typeof SourceUserSchema>;

export const SourceGroupSchema = z.object({
  /** The source's stable id (GitHub team id, Entra object id): a rename keeps it. */
  id: z.string().min(1),
  displayName: z.string().min(1),
  /** Ids of the member users (each a user of the snapshot). */
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
    // Ids identify entities: a repeated one is a provider bug, never something to guess about.
    const users = new Set<string>();
    for (const [i, u] of snap.users.entries()) {
      if (users.has(u.id))
        ctx.addIssue({ code: 'custom', path: ['users', i, 'id'], message: `duplicate user id ${u.id}` });
      users.add(u.id);
    }
    const groups = new Set<string>();
    for (const [i, g] of snap.groups.entries()) {
      if (groups.has(g.id))
        ctx.addIssue({ code: 'custom', path: ['groups', i, 'id'], message: `duplicate group id ${g.id}` });
      groups.add(g.id);
      for (const m of g.members) {
        if (!users.has(m)) {
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
  /** Where the sync records the source's stable id of the users it owns (see ownership.ts). */
  profileUrl: z.string().optional(),
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
  /** The record of the source's stable id (ownership.ts `userRecord`). */
  profileUrl: z.string().min(1),
});

/**
 * One change to the Identity Store. Entities that exist carry their ids; entities created in the
 * same plan are named (the apply step resolves their ids). Every operation is idempotent.
 *
 * Renames are updates (the Identity Store ids, and so every assignment, stay). A rename whose new
 * name is in use by another entity that this plan moves or deletes takes two steps: in the
 * `renames` phase the holder moves out of the way (`renameUser` / `renameGroup`, to its new name
 * when that is free, else to a temporary one), and in the `creates` phase the names are claimed.
 */
export const OperationSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('createGroup'), displayName: z.string(), description: z.string() }),
  z.object({
    op: z.literal('updateGroup'),
    groupId: z.string(),
    /**
     * The group's name as the plan found it (a group that moves out of the way for a moment keeps
     * this name here: the words are about the group people know).
     */
    displayName: z.string(),
    /** Only the attributes that change. */
    set: z.object({ displayName: z.string().optional(), description: z.string().optional() }),
    /** 'adopt': an unmarked group gets the provider's marker. */
    reason: z.enum(['adopt', 'update']),
  }),
  z.object({
    op: z.literal('renameGroup'),
    groupId: z.string(),
    displayName: z.string(),
    to: z.string(),
    /** 'final': straight to its new name; 'temporary': out of the way, claimed in the creates phase. */
    step: z.enum(['final', 'temporary']),
  }),
  z.object({ op: z.literal('createUser'), userName: z.string() }).extend(UserAttrsSchema.shape),
  z.object({
    op: z.literal('updateUser'),
    userId: z.string(),
    /** The user's UserName as the plan found it (see updateGroup). */
    userName: z.string(),
    /** Only the attributes that change. */
    set: UserAttrsSchema.extend({ userName: z.string() }).partial(),
  }),
  z.object({
    op: z.literal('renameUser'),
    userId: z.string(),
    userName: z.string(),
    to: z.string(),
    step: z.enum(['final', 'temporary']),
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
  z.object({
    op: z.literal('deleteUser'),
    userId: z.string(),
    userName: z.string(),
    /** The source id recorded on the user when planned: apply deletes it only if still the same. */
    recordedId: z.string().optional(),
  }),
  z.object({
    op: z.literal('deleteGroup'),
    groupId: z.string(),
    displayName: z.string(),
    recordedId: z.string().optional(),
  }),
]);
export type Operation = z.infer<typeof OperationSchema>;
export type OperationKind = Operation['op'];
export type OperationOf<K extends OperationKind> = Extract<Operation, { op: K }>;

/**
 * Why a source entity (or an entity of the store) is left alone:
 * - 'foreign': its name is held by the other provider's entity;
 * - 'unowned': its name is held by an entity made by hand or by another tool;
 * - 'claimed': its name is in the other provider's namespace (e.g. Entra's group prefix), so it is
 *   never created, whether or not the store holds it;
 * - 'invalid-name': the Identity Store cannot hold its name (length, characters, reserved);
 * - 'duplicate-name': several source entities have names that differ only by case or Unicode form;
 * - 'ambiguous': several entities of the store match it (by recorded id or by name);
 * - 'changed': at apply time the entity was no longer the provider's, or no longer the one planned.
 */
export const CONFLICT_REASONS = [
  'foreign',
  'unowned',
  'claimed',
  'invalid-name',
  'duplicate-name',
  'ambiguous',
  'changed',
] as const;
export const ConflictSchema = z.object({
  kind: z.enum(['user', 'group']),
  name: z.string(),
  /** The source's id of the entity, when the conflict is about a source entity. */
  sourceId: z.string().optional(),
  /** The Identity Store entity involved, if any. */
  existingId: z.string().optional(),
  reason: z.enum(CONFLICT_REASONS),
  message: z.string(),
});
export type Conflict = z.infer<typeof ConflictSchema>;

/** Apply phases, in the order the state machine runs them. */
export const PHASES = ['renames', 'creates', 'memberships', 'deletes'] as const;
export const PhaseSchema = z.enum(PHASES);
export type Phase = z.infer<typeof PhaseSchema>;

export const PHASE_OF: Record<OperationKind, Phase> = {
  renameGroup: 'renames',
  renameUser: 'renames',
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
