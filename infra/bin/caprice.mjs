#!/usr/bin/env node
// The caprice CLI runs from TypeScript source: tsx compiles on the fly, and the `@caprice/source` export
// condition makes workspace packages (the emulator) resolve to their src/ too, so nothing needs building first.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

const addSourceCondition = `export async function resolve(specifier, context, next) {
  const conditions = [...new Set([...(context.conditions ?? []), '@caprice/source'])];
  return next(specifier, { ...context, conditions });
}`;
register(`data:text/javascript,${encodeURIComponent(addSourceCondition)}`);
registerTsx();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
