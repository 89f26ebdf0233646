/**
 * Writes the OpenRPC document of the node's RPC (the one `rpc.discover` returns) to
 * docs/openrpc.json, then formats it with Biome so `pnpm lint` stays clean. Run after changing a
 * method: `pnpm --filter @synod/node openrpc`. test/rpc/openrpc.test.ts fails while the
 * committed file is stale (it compares the parsed JSON, so formatting does not matter).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openRpcDocument } from '../src/rpc/methods.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const OPENRPC_PATH = `${ROOT}docs/openrpc.json`;

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(OPENRPC_PATH, `${JSON.stringify(openRpcDocument(), null, 2)}\n`);
  const biome = `${ROOT}node_modules/.bin/biome`;
  if (existsSync(biome))
    execFileSync(biome, ['format', '--write', OPENRPC_PATH], { cwd: ROOT, stdio: 'ignore' });
  else console.warn('biome not found: docs/openrpc.json is written unformatted');
  console.log(`wrote ${OPENRPC_PATH}`);
}
