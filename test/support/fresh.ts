/**
 * Loads a module anew before each test of the file that calls it, so that its module-level
 * definitions (zod schemas, markers, regular expressions, tables) run inside each test.
 *
 * Why: `npm run mutate` (StrykerJS) attributes code to the tests that run it. Code that runs only
 * when a module is first imported is "static" to it, and static mutants would each need the whole
 * suite; the configuration ignores them (`ignoreStatic`). Tests that import the module freshly make
 * those definitions ordinary code, checked by these tests like any other. The module is the real
 * one, loaded the ordinary way (jest.isolateModules), nothing is replaced.
 */
export function freshEach<T>(load: () => T): () => T {
  let mod: T | undefined;
  beforeEach(() => {
    jest.isolateModules(() => {
      mod = load();
    });
  });
  return () => {
    if (mod === undefined) throw new Error('freshEach: the module is loaded before each test only');
    return mod;
  };
}
