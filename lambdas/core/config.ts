/**
 * The one configuration shape, shared by the CDK app (context key `scimSync` in cdk.json), local
 * runs (`--config FILE`) and the Lambdas (which receive the parts they need). Every key is
 * documented in docs/configuration.md; keep the two in step.
 */
import { z } from 'zod';
import { ConfigError, describeIssues } from './errors';
import { DEFAULT_ENTRA_GROUP_PREFIX, TEMPORARY_NAME_TAG } from './ownership';
import { invalidSchedule } from './schedule';

const Schedule = z.string().superRefine((s, ctx) => {
  const why = invalidSchedule(s);
  if (why) ctx.addIssue({ code: 'custom', message: why });
});

/** `@` and a domain: the suffix is both the UserName's tail and GitHub's claim on users. */
const UserNameSuffix = z
  .string()
  .regex(
    /^@(?=.{1,253}$)[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?)+$/u,
    {
      message:
        'must be @ followed by a domain, e.g. "@example.com" (without the @ it would also claim users such as breakglass@example.com)',
    },
  );

/** Whether `s` compiles as a JavaScript regular expression (includeTeams). */
function isRegExp(s: string): boolean {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;
/** GitHub's API: https, or plain http only to a loopback address (a local stand-in). */
const GithubApiUrl = z.url().refine(
  (u) => {
    if (!URL.canParse(u)) return true; // not a URL at all: z.url() says so (new URL would throw a TypeError)
    const url = new URL(u);
    return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.test(url.hostname));
  },
  { message: 'must be an https:// URL (plain http only to a loopback address such as 127.0.0.1)' },
);

export const GithubConfigSchema = z
  .object({
    organisation: z.string().min(1),
    secretName: z.string().min(1),
    schedule: Schedule.default('cron(0 */6 * * ? *)'),
    /** UserName = lower-cased login + this suffix; also the ownership marker for users. */
    userNameSuffix: UserNameSuffix,
    /** Prepended to the lower-cased team slug to form the group DisplayName. */
    groupPrefix: z.string().default(''),
    /** Team slugs never synced. */
    ignoreTeams: z.array(z.string()).default([]),
    /** When set, only teams whose slug matches this regular expression are synced. */
    includeTeams: z.string().refine(isRegExp, { message: 'must be a valid regular expression' }).optional(),
    /** 'all': a team's members include its child teams' members; 'immediate': direct members only. */
    teamMembership: z.enum(['all', 'immediate']).default('all'),
    /**
     * How user DisplayName and Name are filled: 'userName' writes the UserName into both, as the
     * replaced job did (so switching over changes nothing); 'profile' uses the GitHub profile name.
     */
    userAttributes: z.enum(['userName', 'profile']).default('userName'),
    /** Use the organisation's SAML SSO identity (email, name) for users that have one. */
    useSamlIdentity: z.boolean().default(false),
    /** GitHub API base URL (GitHub Enterprise Server, or the local fake). */
    apiUrl: GithubApiUrl.default('https://api.github.com'),
    /**
     * Deploy the webhook receiver and starter: organisation events start a sync within about a
     * minute (docs/architecture.md#webhooks); the schedule stays as the safety net.
     */
    webhooks: z.boolean().default(true),
  })
  .strict();
export type GithubConfig = z.infer<typeof GithubConfigSchema>;

export const EntraConfigSchema = z
  .object({
    secretName: z.string().min(1),
    schedule: Schedule.default('rate(2 hours)'),
    groupPrefix: z.string().min(1).default(DEFAULT_ENTRA_GROUP_PREFIX),
    /** Every synced user is a member of this group (it must start with groupPrefix). */
    holdingGroup: z.string().min(1).default('azure-aws-sso-all-members'),
    /** Group owners count as members (as the replaced job did). */
    includeOwners: z.boolean().default(true),
    /** Members of nested groups count as members (transitive membership). */
    nestedGroups: z.boolean().default(true),
    /** Microsoft Graph base URL and login authority (sovereign clouds, or the local fake). */
    graphUrl: z.url().default('https://graph.microsoft.com'),
    authorityHost: z.url().default('https://login.microsoftonline.com'),
  })
  .strict()
  .refine((c) => c.holdingGroup.toLowerCase().startsWith(c.groupPrefix.toLowerCase()), {
    message: 'holdingGroup must start with groupPrefix (so that Entra owns it)',
    path: ['holdingGroup'],
  });
export type EntraConfig = z.infer<typeof EntraConfigSchema>;

export const ConfigSchema = z
  .object({
    identityStoreId: z
      .string()
      .regex(/^d-[0-9a-f]{10}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, {
        message: 'must be an Identity Store id such as d-1234567890',
      }),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { message: 'must be an AWS region such as eu-west-2' }),
    alarmEmails: z.array(z.email()).default([]),
    /** false deploys every schedule DISABLED (a first deploy: dry run and review before enabling). */
    schedulesEnabled: z.boolean().default(true),
    /** The deletion guard trips when a plan deletes more than this share of owned users or groups... */
    maxDeletionPercent: z.number().min(0).max(100).default(10),
    /** ...and more than this many of them (so one leaver in a small team does not trip it). */
    deletionGuardFloor: z.number().int().min(0).default(3),
    /** A batch refuses to apply a plan older than this (a late redrive must not replay stale decisions). */
    planMaxAgeHours: z
      .number()
      .positive()
      .max(24 * 14)
      .default(24),
    /** Operations per apply batch (one Map iteration). The planner raises it if needed to bound history size. */
    batchSize: z.number().int().min(1).max(5000).default(500),
    /** Map state MaxConcurrency for the apply phases. The Identity Store's ~20 req/s is shared by all. */
    applyConcurrency: z.number().int().min(1).max(40).default(4),
    /**
     * Identity Store requests per second this sync allows itself (all its Lambdas together; the
     * service allows about 20 per account, shared with the console and other tools).
     */
    identityStoreRps: z
      .number()
      .positive()
      .max(20, { message: 'must be at most 20: the Identity Store allows about 20 requests/s per account' })
      .default(18),
    providers: z
      .object({
        github: GithubConfigSchema.optional(),
        entra: EntraConfigSchema.optional(),
      })
      .strict()
      .refine((p) => p.github || p.entra, { message: 'configure at least one provider (github or entra)' })
      .superRefine((p, ctx) => {
        // Claims that overlap can be known here for one thing: GitHub's group names (groupPrefix +
        // slug, and its temporary names) must stay out of Entra's namespace, where Entra's claim
        // wins. A missing entra section means its default prefix, as everywhere else.
        if (!p.github) return;
        const entraPrefix = p.entra?.groupPrefix ?? DEFAULT_ENTRA_GROUP_PREFIX;
        const ghPrefix = p.github.groupPrefix.toLowerCase();
        if (`${ghPrefix}${TEMPORARY_NAME_TAG}`.startsWith(entraPrefix.toLowerCase())) {
          ctx.addIssue({
            code: 'custom',
            path: ['github', 'groupPrefix'],
            message: `GitHub group names (groupPrefix "${p.github.groupPrefix}" + team slug) would fall in Entra's namespace (entra.groupPrefix "${entraPrefix}"), where Entra's claim wins: choose prefixes that do not overlap`,
          });
        }
      }),
  })
  .strict();
export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

/** Parses a configuration object; a failure is a ConfigError naming every bad key. */
export function parseConfig(raw: unknown, where = 'configuration'): Config {
  const r = ConfigSchema.safeParse(raw);
  if (!r.success) throw new ConfigError(`invalid ${where}: ${describeIssues(r.error.issues)}`);
  return r.data;
}
