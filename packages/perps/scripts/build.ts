// Compiles contracts/**/*.sol with @synod/contracts' solc settings and writes src/artifacts.ts.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderArtifacts } from '@synod/contracts/compile';
import {
  compilePerpsContracts,
  PACKAGES_DIRECTORY,
  PERPS_ARTIFACTS,
  PERPS_ARTIFACTS_ORIGIN,
  PERPS_ARTIFACTS_PATH,
} from '../src/compile.ts';

const compiled = compilePerpsContracts();
writeFileSync(PERPS_ARTIFACTS_PATH, renderArtifacts(compiled, PERPS_ARTIFACTS, PERPS_ARTIFACTS_ORIGIN));
execFileSync(
  join(PACKAGES_DIRECTORY, '..', 'node_modules', '.bin', 'biome'),
  ['format', '--write', PERPS_ARTIFACTS_PATH],
  {
    stdio: 'ignore',
  },
);
for (const [name, contract] of compiled) {
  const size = (contract.bytecode.length - 2) / 2;
  // EIP-170: deployed code above 24,576 bytes cannot be deployed on mainnet.
  console.log(`${name.padEnd(24)} ${String(size).padStart(6)} bytes (creation code)`);
}
