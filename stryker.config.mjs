// Mutation testing of the pure core with StrykerJS: `npm run mutate` (not in CI: it takes a while).
// Reports: reports/mutation/index.html and reports/mutation/mutation.json (git-ignored).
//
// - Only the unit tests run (test/unit), and of those only the files that import the mutated file
//   (enableFindRelatedTests), without scale.test.ts: it plans two 100,000-user stores in a beforeAll,
//   which would run for every mutant of the planner (~40 s each); test/unit/batches.test.ts checks
//   the same bounds on small plans.
// - perTest coverage: each mutant runs only the tests that execute it. Code that runs only while a
//   module is first imported (zod schemas, markers, patterns) is "static" and would need the whole
//   suite for each mutant, so ignoreStatic: the tests of those definitions load their module before
//   each test instead (test/support/fresh.ts), which makes them ordinary, covered code.
// - The TypeScript checker drops mutants that do not compile; it checks lambdas/core only
//   (tsconfig.stryker.json), which is what a mutant there can break, in seconds not minutes.
// - Not mutated: describe.ts, report.ts and report-html.ts (words and HTML: most of their mutants
//   are string literals, so a score there says how many sentences the tests quote, not whether
//   ownership is safe; report.test.ts checks what they must say), and lambdas/identitystore/apply.ts,
//   whose tests are integration tests against the Identity Store emulator (seconds per mutant).
// - The machine is shared (2 cores): two workers, and the property tests at PROPERTY_RUNS=50 unless
//   set otherwise (300 by default; 10,000 for a deep check).
process.env.PROPERTY_RUNS ??= '50';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.js',
    config: {
      roots: ['<rootDir>/test/unit'],
      testPathIgnorePatterns: ['/node_modules/', 'scale\\.test\\.ts$'],
    },
    enableFindRelatedTests: true,
  },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.stryker.json',
  coverageAnalysis: 'perTest',
  ignoreStatic: true,
  concurrency: Number(process.env.STRYKER_CONCURRENCY ?? 2),
  mutate: [
    'lambdas/core/plan.ts',
    'lambdas/core/identity.ts',
    'lambdas/core/ownership.ts',
    'lambdas/core/changes.ts',
    'lambdas/core/safety.ts',
    'lambdas/core/batches.ts',
    'lambdas/core/config.ts',
    'lambdas/core/schedule.ts',
    'lambdas/core/lease.ts',
    'lambdas/core/webhook.ts',
  ],
  ignorePatterns: ['cdk.out', 'coverage', 'reports', '.scim-sync'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: false },
  thresholds: { high: 95, low: 90, break: null },
  timeoutMS: 10000,
  tempDirName: '.stryker-tmp',
};
