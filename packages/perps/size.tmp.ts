import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, normalize } from 'node:path';

const require = createRequire('/work/main/packages/contracts/src/compile.ts');
const solc = require('solc');
const root = '/work/main/packages';
const file = process.argv[2] ?? 'perps/contracts/Clearinghouse.sol';
const sources: Record<string, { content: string }> = {
  [file]: { content: readFileSync(join(root, file), 'utf8') },
};
const out = JSON.parse(
  solc.compile(
    JSON.stringify({
      language: 'Solidity',
      sources,
      settings: {
        evmVersion: 'prague',
        viaIR: true,
        optimizer: { enabled: true, runs: 10000 },
        outputSelection: { '*': { '*': ['evm.deployedBytecode.object'] } },
      },
    }),
    { import: (p: string) => ({ contents: readFileSync(normalize(join(root, p)), 'utf8') }) },
  ),
);
for (const e of out.errors ?? []) if (e.severity === 'error') console.log(e.formattedMessage);
for (const [f, cs] of Object.entries(out.contracts))
  for (const [n, c] of Object.entries(
    cs as Record<string, { evm: { deployedBytecode: { object: string } } }>,
  )) {
    const l = c.evm.deployedBytecode.object.length / 2;
    if (l > 100) console.log(f, n, l);
  }
