#!/usr/bin/env node
// Runs the TypeScript gateway through tsx's loader (as cli/bin/tebura.js does).
import { register } from 'tsx/esm/api';
import { once } from 'node:events';
import process from 'node:process';
register();
const { main } = await import('../src/main.ts');
const stopSignal = Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
const code = await main(process.argv.slice(2), {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  stopSignal,
});
process.exit(code);
