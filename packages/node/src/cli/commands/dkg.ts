import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import {
  type DkgResult,
  decryptShareKeystore,
  encryptShareKeystore,
  type KeystoreKdf,
  toLowerHex,
} from '@synod/protocol';
import { GenesisError } from '../../config/errors.ts';
import { parseGenesis } from '../../config/genesis.ts';
import { buildCommittee, formatCommittee } from '../../dkg/committee.ts';
import { runDkgSession } from '../../dkg/session.ts';
import { KeyFileError } from '../../keys/errors.ts';
import { fileExists, readSecretFile, writeFileAtomic, writeSecretFile } from '../../keys/files.ts';
import { dataDirLayout } from '../../keys/layout.ts';
import { loadNodeKeys } from '../../keys/nodeKeys.ts';
import { readKeystorePassword } from '../../keys/password.ts';
import { createLogger } from '../../logging/index.ts';
import { CONFIG_FLAG, DATA_DIR_FLAG, PASSWORD_FILE_FLAG, resolveConfig } from '../common.ts';
import { UsageError } from '../errors.ts';
import { type Command, ExitCode } from '../types.ts';

/** Largest genesis file read: 256 participants with a few addresses each stay far below. */
const MAX_GENESIS_FILE_BYTES = 1024 * 1024;

/** EIP-2335's scrypt cost, the default: ≈ 0.5 s per encryption or decryption on this machine. */
export const DEFAULT_SCRYPT_N = 2 ** 18;
/**
 * The cheapest `--scrypt-n` accepted: 2^14 (≈ 30 ms). Only for keystores whose password protects
 * nothing (a local testnet's keys); it makes a stolen keystore 16 times cheaper to guess at.
 */
export const MIN_SCRYPT_N = 2 ** 14;
const MAX_SCRYPT_N = 2 ** 20;

export function scryptN(flag: unknown): number {
  if (flag === undefined) return DEFAULT_SCRYPT_N;
  const n = Number(flag);
  if (!Number.isSafeInteger(n) || n < MIN_SCRYPT_N || n > MAX_SCRYPT_N || (n & (n - 1)) !== 0) {
    throw new UsageError(
      `--scrypt-n must be a power of two from ${MIN_SCRYPT_N} to ${MAX_SCRYPT_N}, got ${String(flag)}`,
      'dkg',
    );
  }
  return n;
}

export const dkgCommand: Command = {
  name: 'dkg',
  summary:
    'Run the distributed key generation with the genesis participants; write the share keystores and committee.json.',
  description: [
    'Joins the DKG of the genesis file with the other participants over libp2p (listening on p2p.listenAddresses, dialing the genesis multiaddrs). Every participant runs this command; it waits up to dkg.peerWaitTimeoutMs for the others, then runs the three phases (deal, response, justification), each ending when every message is in or at its dkg.*TimeoutMs.',
    'Two sessions run, one after the other: the BLS signing key (threshold: the quorum) and the committee encryption key (threshold f + 1, for threshold-encrypted transactions). Only when both succeed does it write the BLS share, encrypted (EIP-2335, scrypt), to keys/bls-share.keystore.json (0600), the encryption-key share, under the same password, to keys/encryption-share.keystore.json (0600), and the committee (group public key, encryption public key, share public keys) to committee.json, and print the group public key. Every honest participant writes a byte-identical committee.json: compare its sha256 with the others.',
    'The password is read before the DKG starts (from --password-file or SYNOD_KEYSTORE_PASSWORD), so a missing password cannot waste a session. Refuses to run if a share keystore or committee.json exists, unless --force. Exit code 1 with the reason if either session fails; 130 if interrupted (nothing is written).',
  ].join('\n\n'),
  flags: [
    DATA_DIR_FLAG,
    CONFIG_FLAG,
    {
      name: 'genesis',
      type: 'string',
      placeholder: '<file>',
      description: 'Genesis file (default network.genesisFile, relative to the config file).',
    },
    PASSWORD_FILE_FLAG,
    {
      name: 'force',
      type: 'boolean',
      description: 'Replace existing share keystores and committee.json.',
    },
    {
      name: 'scrypt-n',
      type: 'string',
      placeholder: '<n>',
      description: `scrypt cost of the share keystores (default ${DEFAULT_SCRYPT_N}, EIP-2335's, ≈ 0.5 s to unlock). Lower only for throwaway keys, e.g. a local testnet (pnpm testnet uses ${MIN_SCRYPT_N}, the minimum).`,
    },
  ],
  readsConfig: true,
  examples: [
    'synod dkg --data-dir /var/lib/synod --genesis genesis.json --password-file /run/secrets/synod-password',
  ],
  async run(context) {
    const { io, flags } = context;
    const { config, dataDir } = await resolveConfig(context);
    const layout = dataDirLayout(dataDir);
    const logger = createLogger({
      level: config.log.level,
      name: config.node.name,
      destination: { write: (line: string) => io.stderr(line) },
    });

    const genesisPath =
      typeof flags.genesis === 'string'
        ? isAbsolute(flags.genesis)
          ? flags.genesis
          : resolve(io.cwd, flags.genesis)
        : config.network.genesisFile;
    const genesisText = await readFile(genesisPath).catch((cause: NodeJS.ErrnoException) => {
      throw new GenesisError(
        'INVALID_JSON',
        '',
        `cannot read ${genesisPath}: ${cause.code ?? cause.message}`,
      );
    });
    if (genesisText.length > MAX_GENESIS_FILE_BYTES)
      throw new GenesisError('INVALID_JSON', '', `${genesisPath} is too large`);
    const genesis = parseGenesis(genesisText.toString('utf8'));
    if (config.network.networkId !== null && config.network.networkId !== genesis.networkId) {
      throw new GenesisError(
        'INVALID_FIELD',
        'networkId',
        `${genesis.networkId} differs from network.networkId ${config.network.networkId} in the config`,
      );
    }
    if (config.network.chainId !== null && config.network.chainId !== genesis.chainId) {
      throw new GenesisError(
        'INVALID_FIELD',
        'chainId',
        `${genesis.chainId} differs from network.chainId ${config.network.chainId} in the config`,
      );
    }

    const force = flags.force === true;
    const n = scryptN(flags['scrypt-n']);
    for (const path of [layout.blsShareKeystore, layout.encryptionShareKeystore, layout.committee]) {
      if (!force && (await fileExists(path))) {
        throw new KeyFileError(
          'KEYS_EXIST',
          `${path} exists: this node already has a share. Refusing to run a new DKG over it (--force would replace it)`,
          {
            path,
          },
        );
      }
    }
    const password = await readKeystorePassword({
      passwordFile: flags['password-file'] as string | undefined,
      env: io.env,
    });
    const keys = await loadNodeKeys(layout);

    const { result, index, sessionId, encryption } = await runDkgSession({
      genesis,
      keys,
      config,
      logger,
      signal: io.signal,
      encryptionKey: true,
    });
    if (encryption === undefined) throw new Error('assertion failed: no encryption-key session result');

    // Both sessions succeeded: only now is anything written.
    const description = `synod network ${genesis.networkId} epoch ${genesis.epoch} share ${result.shareIndex} of ${genesis.participants.length}`;
    const kdf = { function: 'scrypt', n, r: 8, p: 1 } as const;
    await writeShareKeystore(layout.blsShareKeystore, result, password, { description, kdf, force });
    await writeShareKeystore(layout.encryptionShareKeystore, encryption.result, password, {
      description: `${description} (encryption key)`,
      kdf,
      force,
    });
    const committee = buildCommittee(genesis, result, sessionId, {
      outcome: encryption.result,
      sessionId: encryption.sessionId,
    });
    await writeFileAtomic(layout.committee, formatCommittee(committee), { mode: 0o644, overwrite: force });

    io.stdout(
      [
        `DKG finished: participant ${index}, share index ${result.shareIndex}`,
        `  group public key    ${committee.groupPublicKey}`,
        `  share public key    ${toLowerHex(result.sharePublicKey)}`,
        `  qualified dealers   ${result.qualified.join(', ')}`,
        ...excludedLine(result),
        `  encryption key      ${toLowerHex(encryption.result.groupPublicKey)} (threshold ${encryption.result.commitments.length})`,
        `  qualified dealers   ${encryption.result.qualified.join(', ')}`,
        ...excludedLine(encryption.result),
        `Wrote ${layout.blsShareKeystore} and ${layout.encryptionShareKeystore} (encrypted), and ${layout.committee}.`,
        'Back up all three now; compare committee.json (sha256) with the other validators.',
        '',
      ].join('\n'),
    );
    return ExitCode.ok;
  },
};

function excludedLine(result: DkgResult): string[] {
  if (result.excluded.length === 0) return [];
  return [
    `  excluded dealers    ${result.excluded.map((entry) => `${entry.dealerIndex} (${entry.reason})`).join(', ')}`,
  ];
}

/**
 * Encrypts a share to an EIP-2335 keystore at `path` and reads it back: the share exists nowhere
 * else, so a keystore that does not decrypt to it must fail the command before anything else.
 */
async function writeShareKeystore(
  path: string,
  result: DkgResult,
  password: string,
  options: { description: string; kdf: KeystoreKdf; force: boolean },
): Promise<void> {
  const keystore = await encryptShareKeystore(result.shareSecretKey, password, {
    pubkey: result.sharePublicKey,
    path: '',
    description: options.description,
    kdf: options.kdf,
  });
  await writeSecretFile(path, keystore, { overwrite: options.force });
  const stored = await readSecretFile(path, 'the share keystore');
  const decrypted = await decryptShareKeystore(stored.toString('utf8'), password);
  if (toLowerHex(decrypted) !== toLowerHex(result.shareSecretKey)) {
    throw new Error(`assertion failed: ${path} does not decrypt to the share`);
  }
}
