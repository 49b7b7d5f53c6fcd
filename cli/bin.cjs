#!/usr/bin/env node
// `npx scim-sync ...`: runs the TypeScript CLI through tsx (no build step).
require('tsx/cjs/api').register();
const { main } = require('./main.ts');
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`${err?.name ?? 'Error'}: ${err?.message ?? err}\n`);
    process.exitCode = 1;
  },
);
