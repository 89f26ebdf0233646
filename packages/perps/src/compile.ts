import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ArtifactSpec, compileSolidity } from '@synod/contracts/compile';

/**
 * The perps contracts, compiled by @synod/contracts' compileSolidity (same solc, same settings).
 * Source unit names are paths under packages/, so Clearinghouse.sol imports the base as
 * "../../contracts/contracts/core/SynodBatchSettlement.sol", which also resolves on disk.
 */
export const PERPS_ARTIFACTS = [
  ['perps/contracts/Clearinghouse.sol', 'Clearinghouse', 'clearinghouse'],
  ['perps/contracts/ClearinghouseExtension.sol', 'ClearinghouseExtension', 'clearinghouseExtension'],
  ['perps/contracts/PerpsTransactions.sol', 'PerpsTransactions', 'perpsTransactions'],
  ['perps/contracts/PerpsBatches.sol', 'PerpsBatches', 'perpsBatches'],
  ['perps/contracts/PerpsTypes.sol', 'Rejections', 'perpsRejections'],
  ['perps/contracts/test/TestToken.sol', 'TestToken', 'testToken'],
] as const satisfies readonly ArtifactSpec[];

export const PACKAGES_DIRECTORY = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PERPS_ARTIFACTS_PATH = join(dirname(fileURLToPath(import.meta.url)), 'artifacts.ts');

export const PERPS_ARTIFACTS_ORIGIN = {
  sources: 'contracts/**/*.sol',
  command: 'pnpm --filter @synod/perps build',
  test: 'test/artifacts.test.ts',
};

export function compilePerpsContracts() {
  return compileSolidity({
    root: PACKAGES_DIRECTORY,
    files: [...new Set(PERPS_ARTIFACTS.map(([file]) => file))],
    artifacts: PERPS_ARTIFACTS,
  });
}
