import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Compiles contracts/{core,adapters,test}/*.sol with the pinned npm solc and renders
 * src/artifacts.ts. Used by scripts/build.ts and by the freshness test, so both compile with
 * exactly these settings.
 */

/** solc version the artifacts are built with; the npm package is pinned to it. */
export const SOLC_VERSION = '0.8.30';

/**
 * Compiler settings. prague has the EIP-2537 precompiles and MCOPY. via-IR because the
 * calldata-heavy entry points (two headers, proofs) exceed the legacy pipeline's stack; runs =
 * 10,000 because these contracts are called far more often than deployed (gas: docs/contracts.md).
 */
export const SOLC_SETTINGS = {
  evmVersion: 'prague',
  viaIR: true,
  optimizer: { enabled: true, runs: 10_000 },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
} as const;

/**
 * Contracts exported as artifacts: [source file, contract name, export prefix]. The abstract
 * SynodBatchSettlement has an ABI and no bytecode (every app that inherits it has that ABI).
 */
export const ARTIFACT_CONTRACTS = [
  ['core/CommitteeRegistry.sol', 'CommitteeRegistry', 'committeeRegistry'],
  ['core/EquivocationRegistry.sol', 'EquivocationRegistry', 'equivocationRegistry'],
  ['core/SettlementInbox.sol', 'SettlementInbox', 'settlementInbox'],
  ['core/PriceFeeds.sol', 'PriceFeeds', 'priceFeeds'],
  ['core/SynodBatchSettlement.sol', 'SynodBatchSettlement', 'synodBatchSettlement'],
  ['adapters/SynodPriceFeedAdapter.sol', 'SynodPriceFeedAdapter', 'synodPriceFeedAdapter'],
  [
    'adapters/SynodFailClosedPriceFeedAdapter.sol',
    'SynodFailClosedPriceFeedAdapter',
    'synodFailClosedPriceFeedAdapter',
  ],
  ['adapters/AggregatorV3Interface.sol', 'AggregatorV2V3Interface', 'aggregatorV2V3Interface'],
  ['test/BLS12381Harness.sol', 'BLS12381Harness', 'bls12381Harness'],
  ['test/BatchRecorder.sol', 'BatchRecorder', 'batchRecorder'],
  ['test/NoopBatchApp.sol', 'NoopBatchApp', 'noopBatchApp'],
  ['test/ReentrantBatchApp.sol', 'ReentrantBatchApp', 'reentrantBatchApp'],
  ['test/FeedConsumers.sol', 'LatestAnswerConsumer', 'latestAnswerConsumer'],
  ['test/FeedConsumers.sol', 'StalenessCheckingConsumer', 'stalenessCheckingConsumer'],
  ['test/FeedConsumers.sol', 'WalkBackConsumer', 'walkBackConsumer'],
] as const satisfies readonly ArtifactSpec[];

/**
 * The folders of contracts/, each compiled whole; no .sol file lives anywhere else.
 * - core: what the node and every app rely on (registry, inbox, price feeds, types, BLS12-381,
 *   namespaces, the SynodBatchSettlement base). Apps import from here only.
 * - adapters: read-only views for existing consumers (the Chainlink-compatible price feed adapter,
 *   the fail-closed one, their shared base and Chainlink's aggregator interfaces).
 * - test: harnesses and test apps for the contract tests and the gas benchmark; never deployed.
 */
export const CONTRACT_FOLDERS = ['core', 'adapters', 'test'] as const;

export const CONTRACTS_DIRECTORY = join(dirname(fileURLToPath(import.meta.url)), '..', 'contracts');
export const ARTIFACTS_PATH = join(dirname(fileURLToPath(import.meta.url)), 'artifacts.ts');

export interface CompiledContract {
  abi: unknown[];
  /** 0x-prefixed creation bytecode; '0x' for interfaces. */
  bytecode: `0x${string}`;
}

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
}

/** [source unit name, contract name, export prefix] of one artifact. */
export type ArtifactSpec = readonly [file: string, contract: string, exportPrefix: string];

export interface CompileSolidityParameters {
  /** Directory that source unit names are relative to; imports resolve inside it and nowhere else. */
  root: string;
  /** Source unit names (paths relative to `root`) to compile; what they import is read on demand. */
  files: readonly string[];
  /** The contracts to return. */
  artifacts: readonly ArtifactSpec[];
}

/**
 * Compiles `files` with the pinned solc and SOLC_SETTINGS; throws on any compiler error or a
 * solc version mismatch. Other packages' contracts (@synod/perps) compile through this, so every
 * Synod contract is built with one compiler and one set of settings.
 */
export function compileSolidity(parameters: CompileSolidityParameters): Map<string, CompiledContract> {
  const require = createRequire(import.meta.url);
  const solc = require('solc') as {
    version(): string;
    compile(
      input: string,
      callbacks?: { import(path: string): { contents: string } | { error: string } },
    ): string;
  };
  if (!solc.version().startsWith(`${SOLC_VERSION}+`)) {
    throw new Error(`solc ${solc.version()} is not the pinned ${SOLC_VERSION}`);
  }
  const readSource = (name: string) => {
    const path = normalize(join(parameters.root, name));
    if (!path.startsWith(normalize(parameters.root) + sep))
      throw new Error(`${name} is outside ${parameters.root}`);
    return readFileSync(path, 'utf8');
  };
  const sources: Record<string, { content: string }> = {};
  for (const file of parameters.files) sources[file] = { content: readSource(file) };
  const findImport = (path: string) => {
    try {
      return { contents: readSource(path) };
    } catch (error) {
      return { error: String(error) };
    }
  };
  const output = JSON.parse(
    solc.compile(JSON.stringify({ language: 'Solidity', sources, settings: SOLC_SETTINGS }), {
      import: findImport,
    }),
  ) as SolcOutput;
  const errors = (output.errors ?? []).filter((error) => error.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((error) => error.formattedMessage).join('\n'));
  const compiled = new Map<string, CompiledContract>();
  for (const [file, name] of parameters.artifacts) {
    const contract = output.contracts[file]?.[name];
    if (contract === undefined) throw new Error(`solc produced no ${file}:${name}`);
    compiled.set(name, { abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}` });
  }
  return compiled;
}

/** Compiles every .sol file of CONTRACT_FOLDERS; throws on any compiler error or a solc version mismatch. */
export function compileContracts(): Map<string, CompiledContract> {
  const files: string[] = [];
  for (const folder of CONTRACT_FOLDERS) {
    for (const file of readdirSync(join(CONTRACTS_DIRECTORY, folder)).sort()) {
      // Source unit names are paths relative to contracts/, so `import "../core/X.sol"` resolves.
      if (file.endsWith('.sol')) files.push(`${folder}/${file}`);
    }
  }
  return compileSolidity({ root: CONTRACTS_DIRECTORY, files, artifacts: ARTIFACT_CONTRACTS });
}

/** The text of src/artifacts.ts for `compiled` (scripts/build.ts formats it with Biome). */
export function renderArtifacts(
  compiled: Map<string, CompiledContract>,
  artifacts: readonly ArtifactSpec[] = ARTIFACT_CONTRACTS,
  origin: { sources: string; command: string; test: string } = {
    sources: 'contracts/{core,adapters,test}/*.sol',
    command: 'pnpm --filter @synod/contracts build',
    test: 'test/artifacts.test.ts',
  },
): string {
  const lines = [
    `// Generated by scripts/build.ts from ${origin.sources} with solc ${SOLC_VERSION}. Do not edit: run`,
    `// \`${origin.command}\`. ${origin.test} checks it matches the sources.`,
    '',
  ];
  for (const [, name, prefix] of artifacts) {
    const contract = compiled.get(name)!;
    lines.push(`export const ${prefix}Abi = ${JSON.stringify(contract.abi)} as const;`, '');
    if (contract.bytecode !== '0x')
      lines.push(`export const ${prefix}Bytecode = '${contract.bytecode}' as const;`, '');
  }
  return lines.join('\n');
}
