/** The fake GitHub (GraphQL + App token exchange) and its organisation fixtures. */
export type { GithubFixture, GithubFixtureTeam } from './fixture';
export {
  derivedDatabaseId,
  GithubFixtureSchema,
  generateGithubFixture,
  loadGithubFixture,
  parseGithubFixture,
} from './fixture';
export type { FailPageSwitch, FakeGithub, FakeGithubApp, FakeGithubOptions, RateLimitSwitch } from './server';
export { startFakeGithub } from './server';
export type { AccessSwitches, Permission } from './access';
export { SAML_MESSAGE } from './access';
