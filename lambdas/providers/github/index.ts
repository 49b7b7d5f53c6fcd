/** The GitHub provider: read an organisation's teams and members into a SourceSnapshot. */
export type { GithubClientStats, GithubRetryOptions } from './client';
export { parseTokenExpiration, redact } from './text';
export type { UserAttributeMode } from './mapping';
export { groupName, splitName, teamFilter, userName } from './mapping';
export type { GithubReadResult, ReadGithubSourceOptions } from './read';
export { EXPIRY_WARNING_DAYS, readGithubSource } from './read';
export type { GithubSecret } from './secret';
export { APP_KEYS, parseGithubSecret, secretValues, TOKEN_KEY } from './secret';
