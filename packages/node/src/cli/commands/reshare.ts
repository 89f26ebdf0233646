import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import type { Address } from '@synod/protocol';
import { ConfigError } from '../../config/errors.ts';
import { parseResharePlan, runReshareSession } from '../../epochs/reshare.ts';
import { dataDirLayout } from '../../keys/layout.ts';
import { loadNodeKeys } from '../../keys/nodeKeys.ts';
import { readKeystorePassword } from '../../keys/password.ts';
import { createLogger } from '../../logging/index.ts';
import { CONFIG_FLAG, DATA_DIR_FLAG, PASSWORD_FILE_FLAG, resolveConfig } from '../common.ts';
import { type Command, ExitCode } from '../types.ts';
import { DEFAULT_SCRYPT_N, scryptN } from './dkg.ts';

/** Largest plan file read: two genesis files and an address list. */
const MAX_PLAN_FILE_BYTES = 2 * 1024 * 1024;

export const reshareCommand: Command = {
  name: 'reshare',
  summary:
    'Reshare the group key to the next committee (add, remove or replace validators) while the node keeps running.',
  description: [
    'Runs the reshare of the plan file with every validator of the current and the next committee: the current members deal sub-shares of their shares, the next members end with shares of the same group key (docs/operations.md "Adding and removing a validator"). It listens on its own session address from the plan, so the node keeps its port and keeps finalizing.',
    'When the current committee has an encryption key (committee.json `encryption`), a second session reshares it as well (threshold f + 1 of the next committee), once the signing key is reshared; the reshare succeeds only if both do.',
    'On success a member of the next committee writes its share to keys/bls-share-<epoch>.keystore.json (0600), its encryption-key share (if any) to keys/encryption-share-<epoch>.keystore.json (0600), and everyone writes committees/<epoch>.json. The new members then sign the transition record together and submit it to their node (--rpc); once it is final, the next epoch decides every height from the record height + 10. A reshare that fails changes nothing: the current committee goes on.',
  ].join('\n\n'),
  flags: [
    DATA_DIR_FLAG,
    CONFIG_FLAG,
    {
      name: 'plan',
      type: 'string',
      placeholder: '<file>',
      description: 'The reshare plan (identical at every validator).',
    },
    PASSWORD_FILE_FLAG,
    {
      name: 'rpc',
      type: 'string',
      placeholder: '<url>',
      description:
        "This validator's node JSON-RPC, where the record is submitted (default http://rpc.host:rpc.port).",
    },
    {
      name: 'scrypt-n',
      type: 'string',
      placeholder: '<n>',
      description: `scrypt cost of the new shares' keystores (default ${DEFAULT_SCRYPT_N}).`,
    },
  ],
  readsConfig: true,
  examples: [
    'synod reshare --data-dir /var/lib/synod --plan reshare-1.json --password-file /run/secrets/synod-password',
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
    if (typeof flags.plan !== 'string')
      throw new ConfigError([{ code: 'INVALID_VALUE', key: '--plan', reason: 'is required' }]);
    const planPath = isAbsolute(flags.plan) ? flags.plan : resolve(io.cwd, flags.plan);
    const planText = await readFile(planPath);
    if (planText.length > MAX_PLAN_FILE_BYTES)
      throw new ConfigError([{ code: 'INVALID_VALUE', key: '--plan', reason: `${planPath} is too large` }]);
    const plan = parseResharePlan(planText.toString('utf8'));
    if (config.network.inboxAddress === null)
      throw new ConfigError([
        {
          code: 'INVALID_VALUE',
          key: 'network.inboxAddress',
          reason: 'must be set: the record is a signed transaction',
        },
      ]);
    const password = await readKeystorePassword({
      passwordFile: flags['password-file'] as string | undefined,
      env: io.env,
    });
    const keys = await loadNodeKeys(layout);
    const rpcUrl = typeof flags.rpc === 'string' ? flags.rpc : `http://${config.rpc.host}:${config.rpc.port}`;
    const result = await runReshareSession({
      plan,
      keys,
      peerId: peerIdFromPrivateKey(keys.p2pPrivateKey).toString(),
      layout,
      config,
      password,
      scryptN: scryptN(flags['scrypt-n']),
      rpcUrl,
      domain: {
        networkId: plan.next.networkId,
        chainId: plan.next.chainId,
        inbox: config.network.inboxAddress.toLowerCase() as Address,
      },
      logger,
      signal: io.signal,
    });
    const keystoresOf = (epoch: number): string =>
      result.committee.encryption === undefined
        ? layout.blsShareKeystoreOf(epoch)
        : `${layout.blsShareKeystoreOf(epoch)} and ${layout.encryptionShareKeystoreOf(epoch)}`;
    io.stdout(
      [
        `Reshare to epoch ${result.epoch} finished: ${result.validatorIndex === undefined ? 'this validator leaves the committee' : `validator ${result.validatorIndex} of ${result.committee.members.length}`}`,
        `  group public key    ${result.committee.groupPublicKey} (unchanged)`,
        `  qualified dealers   ${result.committee.qualified.join(', ')}`,
        `  transition record   ${result.recordTxId ?? 'submitted by another member'}`,
        ...(result.committee.encryption === undefined
          ? []
          : [`  encryption key      ${result.committee.encryption.publicKey} (unchanged)`]),
        `Wrote ${layout.committeeOf(result.epoch)}${result.validatorIndex === undefined ? '' : ` and ${keystoresOf(result.epoch)} (encrypted)`}.`,
        '',
      ].join('\n'),
    );
    return ExitCode.ok;
  },
};
