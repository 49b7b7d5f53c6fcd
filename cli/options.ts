/** What the command definitions share: the provider argument, number options, examples in help. */
import { Argument, InvalidArgumentError } from 'commander';

export const PROVIDERS = ['github', 'entra'];

export const numberArg =
  (what: string, check: (n: number) => boolean = (n) => n >= 0) =>
  (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || !check(n))
      throw new InvalidArgumentError(`expected ${what}.`);
    return n;
  };

export const provider = (required: boolean) => {
  const a = new Argument(required ? '<provider>' : '[provider]', 'github or entra').choices(PROVIDERS);
  return a;
};

export const examples = (lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
