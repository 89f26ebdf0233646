import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createClient, http, type SynodL1Config, synodActions, synodL1Actions } from '../src/index.ts';
import { TEST_NETWORK } from './helpers/server.ts';

/** Issue #8 "Done when": every action has JSDoc with an example. */

const SOURCE_DIRS = ['actions', 'l1', 'clients', 'clients/decorators', 'transports', 'utils'];

/** name → the JSDoc right above `export [async] function name`, for every exported function. */
function documentedFunctions(): Map<string, string | undefined> {
  const functions = new Map<string, string | undefined>();
  for (const dir of SOURCE_DIRS) {
    const path = fileURLToPath(new URL(`../src/${dir}/`, import.meta.url));
    for (const file of readdirSync(path).filter((name) => name.endsWith('.ts'))) {
      const source = readFileSync(`${path}${file}`, 'utf8');
      for (const match of source.matchAll(
        /(\/\*\*(?:(?!\*\/)[\s\S])*\*\/\s*)?export (?:async )?function (\w+)/g,
      )) {
        functions.set(match[2]!, match[1]);
      }
    }
  }
  return functions;
}

const hasExample = (doc: string | undefined) => doc !== undefined && /@example\s*\n\s*\*\s*```ts\n/.test(doc);

describe('JSDoc', () => {
  const functions = documentedFunctions();

  it('every action a client binds (synodActions, synodL1Actions) has an @example', () => {
    const client = createClient({ transport: http('http://127.0.0.1:1/'), network: TEST_NETWORK });
    const bound = [
      ...Object.keys(synodActions(client)),
      ...Object.keys(synodL1Actions({} as SynodL1Config)(client)),
    ];
    expect(bound.length).toBeGreaterThanOrEqual(15);
    const missing = bound.filter((name) => !hasExample(functions.get(name)));
    expect(missing).toEqual([]);
  });

  it('every exported function of actions/, l1/, clients/, transports/ has an @example', () => {
    const missing = [...functions.entries()]
      .filter(([name]) => !['createTransport', 'withRetry', 'sleep'].includes(name))
      .filter(([name, doc]) => !hasExample(doc) && isPublic(name))
      .map(([name]) => name);
    expect(missing).toEqual([]);
  });
});

/** Exported from the package index (internal helpers need no example). */
function isPublic(name: string): boolean {
  const index = readFileSync(fileURLToPath(new URL('../src/index.ts', import.meta.url)), 'utf8');
  return new RegExp(`\\b${name}\\b`).test(index);
}
