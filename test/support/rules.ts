/** The configuration the pure-engine tests plan with: both providers, GitHub as example-org. */
import { parseConfig } from '../../lambdas/core/config';
import type { Provider } from '../../lambdas/core/model';
import { githubGroupDescription, type OwnershipRules, ownershipRules } from '../../lambdas/core/ownership';

export const ORG = 'example-org';
export const TEST_CONFIG = parseConfig({
  identityStoreId: 'd-1234567890',
  region: 'eu-west-2',
  providers: {
    github: { organisation: ORG, secretName: 'gh', userNameSuffix: '@example.com' },
    entra: { secretName: 'entra' },
  },
});
export const RULES: Record<Provider, OwnershipRules> = {
  github: ownershipRules('github', TEST_CONFIG),
  entra: ownershipRules('entra', TEST_CONFIG),
};
/** The Description of the GitHub-synced group of team `teamId` under TEST_CONFIG. */
export const marker = (teamId: string) => githubGroupDescription(ORG, teamId);
