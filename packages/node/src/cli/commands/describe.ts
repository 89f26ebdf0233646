import { readFile } from 'node:fs/promises';
import { multiaddr } from '@multiformats/multiaddr';
import type { GenesisParticipantJson } from '../../config/genesis.ts';
import type { SynodConfig } from '../../config/schema.ts';
import { type CommitteeJson, parseCommittee } from '../../dkg/committee.ts';
import { fileExists } from '../../keys/files.ts';
import type { DataDirLayout } from '../../keys/layout.ts';
import type { NodePublicKeys } from '../../keys/nodeKeys.ts';

/** Placeholder for a wildcard listen address in the addresses an operator hands out. */
export const PUBLIC_IP_PLACEHOLDER = '<public-ip>';

/**
 * Addresses other validators should dial, without /p2p/: the announce addresses if set, else the
 * listen addresses with a wildcard IP replaced by a placeholder the operator fills in.
 */
export function advertisedAddresses(config: SynodConfig): string[] {
  const source =
    config.p2p.announceAddresses.length > 0 ? config.p2p.announceAddresses : config.p2p.listenAddresses;
  return source.map((address) => {
    const components = multiaddr(address).getComponents();
    const withoutPeer = components.filter((component) => component.name !== 'p2p');
    return withoutPeer
      .map((component) => {
        if (component.name === 'ip4' && component.value === '0.0.0.0') return `/ip4/${PUBLIC_IP_PLACEHOLDER}`;
        if (component.name === 'ip6' && component.value === '::') return `/ip6/${PUBLIC_IP_PLACEHOLDER}`;
        return component.value === undefined ? `/${component.name}` : `/${component.name}/${component.value}`;
      })
      .join('');
  });
}

/** This node's entry for the genesis file (index is assigned when the genesis is assembled). */
export function participantEntry(
  keys: NodePublicKeys,
  config: SynodConfig,
): Omit<GenesisParticipantJson, 'index'> {
  return {
    peerId: keys.peerId,
    multiaddrs: advertisedAddresses(config),
    dkgSigningPublicKey: keys.dkgSigningPublicKey,
    dkgEncryptionPublicKey: keys.dkgEncryptionPublicKey,
    ethereumAddress: keys.ethereumAddress,
  };
}

export function formatPublicKeys(keys: NodePublicKeys, config: SynodConfig): string {
  const addresses = advertisedAddresses(config).map((address) => `${address}/p2p/${keys.peerId}`);
  return [
    `  peer id             ${keys.peerId}`,
    ...addresses.map(
      (address, i) => `  ${i === 0 ? 'p2p address        ' : '                   '} ${address}`,
    ),
    `  ethereum address    ${keys.ethereumAddress}   (pays for L1 submissions: fund it)`,
    `  dkg signing key     ${keys.dkgSigningPublicKey}`,
    `  dkg encryption key  ${keys.dkgEncryptionPublicKey}`,
  ].join('\n');
}

export interface ShareSummary {
  readonly committee: CommitteeJson | undefined;
  readonly keystorePresent: boolean;
}

export async function readShareSummary(layout: DataDirLayout): Promise<ShareSummary> {
  const committee = (await fileExists(layout.committee))
    ? parseCommittee(await readFile(layout.committee, 'utf8'))
    : undefined;
  return { committee, keystorePresent: await fileExists(layout.blsShareKeystore) };
}
