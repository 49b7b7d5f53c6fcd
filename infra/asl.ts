/** The state machine definition, as the CDK app uses it (shared with the local runner). */
import { join } from 'node:path';

export * from '../statemachines/definition';
export const REPO_ROOT = join(__dirname, '..');
