/**
 * The GitHub organisation fixture (design, "Fixture formats"): teams with parent slugs and member
 * logins, optional user profiles and optional SAML identities. Used by local runs, tests and the
 * benchmark; `generateGithubFixture` builds large ones in code.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** GitHub's databaseId of a team or account (a rename keeps it); derived from slug or login when absent. */
const DatabaseId = z.number().int().positive();

export const GithubFixtureTeamSchema = z.object({
  id: DatabaseId.optional(),
  slug: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/i, { message: 'must be a team slug' }),
  name: z.string().min(1),
  parent: z.string().optional(),
  members: z.array(z.string().min(1)),
});

export const GithubFixtureSchema = z
  .object({
    organisation: z.string().min(1),
    teams: z.array(GithubFixtureTeamSchema),
    users: z
      .array(
        z.object({
          id: DatabaseId.optional(),
          login: z.string().min(1),
          name: z.string().optional(),
          email: z.string().optional(),
        }),
      )
      .optional(),
    /** Present (even empty) when the organisation has a SAML identity provider. */
    samlIdentities: z
      .array(
        z.object({
          login: z.string().min(1),
          nameId: z.string().min(1),
          givenName: z.string().optional(),
          familyName: z.string().optional(),
          email: z.string().optional(),
        }),
      )
      .optional(),
  })
  .superRefine((f, ctx) => {
    // GitHub's ids are unique: two teams or accounts with one id would be a broken fixture.
    for (const [list, kind, key] of [
      [f.teams, 'team', (t: { slug: string }) => t.slug],
      [f.users ?? [], 'user', (u: { login: string }) => u.login],
    ] as const) {
      const seen = new Map<number, string>();
      for (const [i, e] of (list as { id?: number }[]).entries()) {
        const name = (key as (x: unknown) => string)(e);
        const id = e.id ?? derivedDatabaseId(kind, name);
        const other = seen.get(id);
        if (other !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: [kind === 'team' ? 'teams' : 'users', i, 'id'],
            message: `${kind} ${name} has the id of ${other} (${id})`,
          });
        seen.set(id, name);
      }
    }
    const slugs = new Set<string>();
    for (const [i, t] of f.teams.entries()) {
      if (slugs.has(t.slug.toLowerCase())) {
        ctx.addIssue({
          code: 'custom',
          path: ['teams', i, 'slug'],
          message: `duplicate team slug ${t.slug}`,
        });
      }
      slugs.add(t.slug.toLowerCase());
    }
    for (const [i, t] of f.teams.entries()) {
      if (t.parent !== undefined && !slugs.has(t.parent.toLowerCase())) {
        ctx.addIssue({
          code: 'custom',
          path: ['teams', i, 'parent'],
          message: `unknown parent team ${t.parent}`,
        });
      }
    }
    // Parent chains must end (GitHub does not allow cycles).
    const parentOf = new Map(f.teams.map((t) => [t.slug.toLowerCase(), t.parent?.toLowerCase()]));
    for (const [i, t] of f.teams.entries()) {
      const seen = new Set<string>();
      let cur: string | undefined = t.slug.toLowerCase();
      while (cur !== undefined) {
        if (seen.has(cur)) {
          ctx.addIssue({
            code: 'custom',
            path: ['teams', i, 'parent'],
            message: `parent cycle through ${t.slug}`,
          });
          break;
        }
        seen.add(cur);
        cur = parentOf.get(cur);
      }
    }
  });
export type GithubFixture = z.infer<typeof GithubFixtureSchema>;

/**
 * The databaseId a team (by slug) or account (by login) has when the fixture gives none: a stable
 * hash of the lower-cased name, so ids are the same on every run, and a rename in a fixture without
 * ids looks like a new entity (give `id` to rename one).
 */
export function derivedDatabaseId(kind: 'team' | 'user', name: string): number {
  let h = 0x811c9dc5;
  for (const ch of `${kind}:${name.toLowerCase()}`) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return (h % 2_000_000_000) + 1;
}
export type GithubFixtureTeam = z.infer<typeof GithubFixtureTeamSchema>;

export function parseGithubFixture(raw: unknown, where = 'GitHub fixture'): GithubFixture {
  const r = GithubFixtureSchema.safeParse(raw);
  if (!r.success) {
    const msg = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`invalid ${where}: ${msg}`);
  }
  return r.data;
}

export function loadGithubFixture(file: string): GithubFixture {
  return parseGithubFixture(JSON.parse(readFileSync(file, 'utf8')), file);
}

const GIVEN = [
  'Amara',
  'Ben',
  'Chloe',
  'Dev',
  'Elif',
  'Femi',
  'Grace',
  'Hugo',
  'Isla',
  'Jamal',
  'Kasia',
  'Liam',
];
const FAMILY = [
  'Okafor',
  'Smith',
  'Nguyen',
  'Patel',
  'Kowalski',
  'Murphy',
  'Haddad',
  'Jones',
  'Silva',
  'Brown',
];

/**
 * A generated organisation: `teams` teams of `membersPerTeam` members drawn round-robin from
 * `users` users (so memberships overlap), optional extra large teams, every third user without a
 * profile name. Deterministic.
 */
export function generateGithubFixture(opts: {
  organisation?: string;
  teams: number;
  users: number;
  membersPerTeam: number;
  /** Extra teams with this many members each (e.g. [250] adds one team of 250). */
  largeTeams?: number[];
  /** Make every team after the first `nestEvery` teams the child of an earlier one. */
  nestEvery?: number;
}): GithubFixture {
  const login = (i: number) => `user-${String(i).padStart(5, '0')}`;
  const users = Array.from({ length: opts.users }, (_, i) => ({
    login: login(i),
    ...(i % 3 === 2 ? {} : { name: `${GIVEN[i % GIVEN.length]} ${FAMILY[(i * 7) % FAMILY.length]}` }),
  }));
  let next = 0;
  const take = (n: number) =>
    Array.from({ length: Math.min(n, opts.users) }, () => {
      const l = login(next % opts.users);
      next++;
      return l;
    });
  const teams: GithubFixtureTeam[] = [];
  for (let t = 0; t < opts.teams; t++) {
    const slug = `team-${String(t).padStart(4, '0')}`;
    const parent =
      opts.nestEvery && t >= opts.nestEvery
        ? `team-${String(t % opts.nestEvery).padStart(4, '0')}`
        : undefined;
    teams.push({
      slug,
      name: `Team ${t}`,
      ...(parent ? { parent } : {}),
      members: take(opts.membersPerTeam),
    });
  }
  for (const [i, size] of (opts.largeTeams ?? []).entries()) {
    teams.push({ slug: `large-${i}`, name: `Large ${i}`, members: take(size) });
  }
  return { organisation: opts.organisation ?? 'example-org', teams, users };
}
