/**
 * Loads a module anew before each test of the file that calls it, so that its module-level
 * definitions (zod schemas, markers, regular expressions, tables) run inside each test.
 *
 * Why: `npm run mutate` (StrykerJS) attributes code to the tests that run it. Code that runs only
 * when a module is first imported is "static" to it, and static mutants would each need the whole
 * suite; the configuration ignores them (`ignoreStatic`). Tests that import the module freshly make
 * those definitions ordinary code, checked by these tests like any other. Our modules are the real
 * ones, loaded the ordinary way (jest.isolateModules); libraries in `shared` (zod by default) are the
 * same real instances the rest of the file uses, only not evaluated again (it takes ~0.2 s).
 */
export function freshEach<T>(load: () => T, shared: string[] = ['zod']): () => T {
  let mod: T | undefined;
  const libraries = new Map(shared.map((name) => [name, jest.requireActual(name) as unknown]));
  beforeEach(() => {
    jest.isolateModules(() => {
      for (const [name, lib] of libraries) jest.doMock(name, () => lib);
      mod = load();
    });
  });
  return () => {
    if (mod === undefined) throw new Error('freshEach: the module is loaded before each test only');
    return mod;
  };
}
