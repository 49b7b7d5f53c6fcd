/**
 * The Entra tenant fixture the fake Microsoft Graph serves (the design's format):
 *
 *   { "groups": [ { "id", "displayName", "members": [id...], "owners"?: [id...] } ],
 *     "users":  [ { "id", "userPrincipalName", "givenName", "surname", "displayName", "mail"?,
 *                   "accountEnabled"? } ] }
 *
 * A member id may be a group id (nested groups, cycles allowed); owners are users.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { describeIssues } from '../../lambdas/core/errors';

export const EntraFixtureUserSchema = z
  .object({
    id: z.string().min(1),
    userPrincipalName: z.string().min(1),
    givenName: z.string().nullable().optional(),
    surname: z.string().nullable().optional(),
    displayName: z.string().nullable().optional(),
    mail: z.string().nullable().optional(),
    accountEnabled: z.boolean().optional(),
  })
  .strict();
export type EntraFixtureUser = z.infer<typeof EntraFixtureUserSchema>;

export const EntraFixtureGroupSchema = z
  .object({
    id: z.string().min(1),
    displayName: z.string().min(1),
    description: z.string().optional(),
    members: z.array(z.string().min(1)),
    owners: z.array(z.string().min(1)).optional(),
  })
  .strict();
export type EntraFixtureGroup = z.infer<typeof EntraFixtureGroupSchema>;

export const EntraFixtureSchema = z
  .object({
    $comment: z.string().optional(),
    groups: z.array(EntraFixtureGroupSchema),
    users: z.array(EntraFixtureUserSchema),
  })
  .strict()
  .superRefine((f, ctx) => {
    const ids = new Set<string>();
    const userIds = new Set<string>();
    const upns = new Set<string>();
    for (const [i, u] of f.users.entries()) {
      if (ids.has(u.id))
        ctx.addIssue({ code: 'custom', path: ['users', i, 'id'], message: `duplicate id ${u.id}` });
      ids.add(u.id);
      userIds.add(u.id);
      const upn = u.userPrincipalName.toLowerCase();
      if (upns.has(upn)) {
        ctx.addIssue({
          code: 'custom',
          path: ['users', i, 'userPrincipalName'],
          message: 'duplicate userPrincipalName',
        });
      }
      upns.add(upn);
    }
    for (const [i, g] of f.groups.entries()) {
      if (ids.has(g.id))
        ctx.addIssue({ code: 'custom', path: ['groups', i, 'id'], message: `duplicate id ${g.id}` });
      ids.add(g.id);
    }
    for (const [i, g] of f.groups.entries()) {
      for (const m of g.members) {
        if (!ids.has(m)) {
          ctx.addIssue({ code: 'custom', path: ['groups', i, 'members'], message: `unknown member id ${m}` });
        }
      }
      for (const o of g.owners ?? []) {
        if (!userIds.has(o)) {
          ctx.addIssue({
            code: 'custom',
            path: ['groups', i, 'owners'],
            message: `owner ${o} is not a user`,
          });
        }
      }
    }
  });
export type EntraFixture = z.infer<typeof EntraFixtureSchema>;

export function parseEntraFixture(raw: unknown, where = 'Entra fixture'): EntraFixture {
  const r = EntraFixtureSchema.safeParse(raw);
  if (!r.success) throw new Error(`invalid ${where}: ${describeIssues(r.error.issues)}`);
  return r.data;
}

export function loadEntraFixture(file: string): EntraFixture {
  return parseEntraFixture(JSON.parse(readFileSync(file, 'utf8')), file);
}

/** A deterministic GUID-shaped id (Entra object ids are GUIDs). */
export function fakeGuid(kind: number, n: number): string {
  const hex = (v: number, len: number) => v.toString(16).padStart(len, '0').slice(-len);
  return `${hex(kind, 8)}-0000-4000-8000-${hex(n, 12)}`;
}

export interface GenerateOptions {
  groups: number;
  users: number;
  /** Group name prefix (default 'azure-aws-sso-'). */
  prefix?: string;
  /** Memberships per user (each user joins this many distinct groups; default 2). */
  groupsPerUser?: number;
  /** Owners per group (default 2). */
  ownersPerGroup?: number;
  /** Groups outside the prefix (the provider must not read their members; default 0). */
  otherGroups?: number;
  domain?: string;
}

/** A synthetic tenant: users spread round-robin over the groups, deterministic for a given shape. */
export function generateEntraFixture(o: GenerateOptions): EntraFixture {
  const prefix = o.prefix ?? 'azure-aws-sso-';
  const domain = o.domain ?? 'example.com';
  const perUser = Math.min(o.groupsPerUser ?? 2, Math.max(1, o.groups));
  const users: EntraFixtureUser[] = [];
  for (let i = 0; i < o.users; i++) {
    const n = String(i).padStart(6, '0');
    users.push({
      id: fakeGuid(1, i),
      userPrincipalName: `user${n}@${domain}`,
      givenName: `Given${n}`,
      surname: `Surname${n}`,
      displayName: `Given${n} Surname${n}`,
      mail: `user${n}@${domain}`,
      accountEnabled: true,
    });
  }
  const groups: EntraFixtureGroup[] = [];
  for (let g = 0; g < o.groups; g++) {
    groups.push({
      id: fakeGuid(2, g),
      displayName: `${prefix}group-${String(g).padStart(4, '0')}`,
      members: [],
    });
  }
  for (let i = 0; i < users.length; i++) {
    for (let k = 0; k < perUser; k++) {
      groups[(i + k * Math.max(1, Math.floor(o.groups / perUser))) % o.groups]?.members.push(fakeGuid(1, i));
    }
  }
  const owners = o.ownersPerGroup ?? 2;
  for (const [g, group] of groups.entries()) {
    if (owners > 0 && users.length > 0) {
      group.owners = Array.from({ length: Math.min(owners, users.length) }, (_, k) =>
        fakeGuid(1, (g * 7 + k) % users.length),
      );
    }
    group.members = [...new Set(group.members)];
  }
  for (let g = 0; g < (o.otherGroups ?? 0); g++) {
    groups.push({
      id: fakeGuid(3, g),
      displayName: `other-group-${g}`,
      members: users.slice(0, 10).map((u) => u.id),
    });
  }
  return { groups, users };
}
