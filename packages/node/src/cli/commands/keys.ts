import { dataDirLayout } from '../../keys/layout.ts';
import { loadNodeKeys, publicKeysOf } from '../../keys/nodeKeys.ts';
import { CONFIG_FLAG, DATA_DIR_FLAG, JSON_FLAG, resolveConfig } from '../common.ts';
import { type Command, ExitCode } from '../types.ts';
import { formatPublicKeys, participantEntry, readShareSummary } from './describe.ts';

export const keysCommand: Command = {
  name: 'keys',
  summary: "Show this node's public keys and addresses (never a secret).",
  description: [
    'Prints the peer id, p2p address, Ethereum address and DKG public keys of the data dir, the genesis participant entry, and after `synod dkg` the share index, share public key and group public key from committee.json.',
    'Reads the key files to derive public keys but prints no secret, and never needs the keystore password.',
  ].join('\n\n'),
  flags: [DATA_DIR_FLAG, CONFIG_FLAG, JSON_FLAG],
  readsConfig: true,
  examples: ['synod keys --data-dir /var/lib/synod', 'synod keys --data-dir ./v1 --json'],
  async run(context) {
    const { config, dataDir } = await resolveConfig(context);
    const layout = dataDirLayout(dataDir);
    const publicKeys = publicKeysOf(await loadNodeKeys(layout));
    const share = await readShareSummary(layout);
    const member = share.committee?.members.find((entry) => entry.peerId === publicKeys.peerId);
    const committee =
      share.committee === undefined
        ? undefined
        : {
            networkId: share.committee.networkId,
            epoch: share.committee.epoch,
            threshold: share.committee.threshold,
            groupPublicKey: share.committee.groupPublicKey,
            shareIndex: member?.shareIndex ?? null,
            sharePublicKey: member?.sharePublicKey ?? null,
          };
    if (context.flags.json === true) {
      context.io.stdout(
        `${JSON.stringify(
          {
            dataDir,
            ...publicKeys,
            genesisParticipant: participantEntry(publicKeys, config),
            blsShareKeystore: share.keystorePresent,
            committee: committee ?? null,
          },
          null,
          2,
        )}\n`,
      );
      return ExitCode.ok;
    }
    const lines = [`Data dir ${dataDir}`, formatPublicKeys(publicKeys, config), ''];
    if (committee === undefined) {
      lines.push('No committee yet: run `synod dkg` once the genesis file is in place.');
    } else {
      lines.push(
        `Committee (network ${committee.networkId}, epoch ${committee.epoch}, threshold ${committee.threshold})`,
        `  group public key    ${committee.groupPublicKey}`,
        `  share index         ${committee.shareIndex ?? 'not a member'}`,
        `  share public key    ${committee.sharePublicKey ?? '-'}`,
        `  share keystore      ${share.keystorePresent ? `${layout.blsShareKeystore} (encrypted)` : 'MISSING: restore it from backup'}`,
      );
    }
    lines.push(
      '',
      'Genesis participant entry:',
      JSON.stringify(participantEntry(publicKeys, config), null, 2),
      '',
    );
    context.io.stdout(lines.join('\n'));
    return ExitCode.ok;
  },
};
