/**
 * The GraphQL the provider sends, and the shapes it reads back (zod-checked: a response GitHub
 * changed under us is a SourceReadError, not a crash deep in the mapping).
 *
 * - scimSyncTeams: one page of 100 teams, each with its first 100 members inline (and, on the
 *   first page when SAML identities are wanted, the first 100 of those).
 * - scimSyncMorePages: the next member page of up to MAX_TEAMS_PER_REQUEST teams at once (one
 *   alias per team), plus the next SAML page if any: one request per round, not per team.
 */
import { z } from 'zod';

export const PAGE_SIZE = 100;
/** Teams whose next member page is fetched in one request (100 × 100 nodes, like a teams page). */
export const MAX_TEAMS_PER_REQUEST = 100;

const MEMBERS = `pageInfo { hasNextPage endCursor } nodes { databaseId login name }`;
const SAML = `samlIdentityProvider {
      externalIdentities(first: ${PAGE_SIZE}, after: $samlAfter) {
        pageInfo { hasNextPage endCursor }
        nodes { user { login } samlIdentity { nameId givenName familyName emails { value primary } } }
      }
    }`;

export function teamsQuery(withSaml: boolean): string {
  return `query scimSyncTeams($org: String!, $after: String, $membership: TeamMembershipType!${withSaml ? ', $samlAfter: String' : ''}) {
  organization(login: $org) {
    teams(first: ${PAGE_SIZE}, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes {
        databaseId
        slug
        members(first: ${PAGE_SIZE}, membership: $membership) { ${MEMBERS} }
      }
    }
    ${withSaml ? SAML : ''}
  }
}`;
}

/** Aliases t0..tN: team(slug: $sN) { members(after: $cN) }. */
export function morePagesQuery(teamCount: number, withSaml: boolean): string {
  const vars = ['$org: String!', '$membership: TeamMembershipType!'];
  const fields: string[] = [];
  for (let i = 0; i < teamCount; i++) {
    vars.push(`$s${i}: String!`, `$c${i}: String!`);
    fields.push(
      `t${i}: team(slug: $s${i}) { slug members(first: ${PAGE_SIZE}, after: $c${i}, membership: $membership) { ${MEMBERS} } }`,
    );
  }
  if (withSaml) {
    vars.push('$samlAfter: String');
    fields.push(SAML);
  }
  return `query scimSyncMorePages(${vars.join(', ')}) {
  organization(login: $org) {
    ${fields.join('\n    ')}
  }
}`;
}

const PageInfoSchema = z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() });
/** databaseId: the account's stable id (a login can be renamed; the id stays). */
export const MemberSchema = z.object({
  databaseId: z.number().int(),
  login: z.string().min(1),
  name: z.string().nullable().optional(),
});
export type Member = z.infer<typeof MemberSchema>;
const MembersSchema = z.object({ pageInfo: PageInfoSchema, nodes: z.array(MemberSchema.nullable()) });

export const SamlIdentitySchema = z.object({
  user: z.object({ login: z.string() }).nullable(),
  samlIdentity: z
    .object({
      nameId: z.string().nullable().optional(),
      givenName: z.string().nullable().optional(),
      familyName: z.string().nullable().optional(),
      emails: z
        .array(z.object({ value: z.string().nullable(), primary: z.boolean().nullable().optional() }))
        .nullable()
        .optional(),
    })
    .nullable(),
});
export type SamlIdentity = z.infer<typeof SamlIdentitySchema>;
const SamlProviderSchema = z
  .object({
    externalIdentities: z.object({ pageInfo: PageInfoSchema, nodes: z.array(SamlIdentitySchema.nullable()) }),
  })
  .nullable()
  .optional();

export const TeamsPageSchema = z.object({
  organization: z
    .object({
      teams: z.object({
        pageInfo: PageInfoSchema,
        nodes: z.array(
          z.object({ databaseId: z.number().int(), slug: z.string().min(1), members: MembersSchema }),
        ),
      }),
      samlIdentityProvider: SamlProviderSchema,
    })
    .nullable(),
});
export type TeamsPage = z.infer<typeof TeamsPageSchema>;

export const MorePagesSchema = z.object({
  organization: z.object({ samlIdentityProvider: SamlProviderSchema }).catchall(z.unknown()).nullable(),
});
export const TeamMembersSchema = z.object({ slug: z.string(), members: MembersSchema }).nullable();
export type SamlProvider = z.infer<typeof SamlProviderSchema>;
export type MembersPage = z.infer<typeof MembersSchema>;
