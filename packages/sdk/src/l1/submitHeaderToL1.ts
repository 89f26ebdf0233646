import { bytesToHex, type Hex } from 'viem';
import type { Client } from '../clients/createClient.ts';
import { headerArgs, settlementInboxAbi } from '../internal/contracts.ts';
import { headerHash } from '../internal/protocol.ts';
import type { BlockHeader, Certificate } from '../types/synod.ts';
import { assertCertified } from '../utils/assertVerified.ts';
import { g2ToEip2537 } from '../utils/bls.ts';
import { L1Error, requireWallet, type SynodL1Config } from './types.ts';

export interface SubmitHeaderToL1Parameters {
  header: BlockHeader;
  certificate: Certificate;
}
export interface SubmitHeaderToL1ReturnType {
  headerHash: Hex;
  /** The L1 transaction, undefined when the header was already stored. */
  transactionHash: Hex | undefined;
}

/**
 * Posts a certified header to the SettlementInbox (anyone may; the nodes' L1 submitter normally
 * does), after verifying the certificate locally and unless the inbox already stores it. The
 * certificate is converted to the uncompressed EIP-2537 form the contract takes. Heights must
 * increase on L1: a header below the inbox's latest cannot be posted (L1Error).
 *
 * L1 method: `SettlementInbox.submitHeader(header, certificate)`.
 *
 * @example
 * ```ts
 * const l1Client = client.extend(synodL1Actions({ publicClient, walletClient, addresses }));
 * await l1Client.submitHeaderToL1({ header: finality.header, certificate: finality.certificate });
 * ```
 */
export async function submitHeaderToL1(
  client: Client,
  l1: SynodL1Config,
  parameters: SubmitHeaderToL1Parameters,
): Promise<SubmitHeaderToL1ReturnType> {
  const { header, certificate } = parameters;
  await assertCertified(client, { header, certificate });
  const hash = headerHash(header, client.network);
  if (await isHeaderStored(l1, header, hash)) return { headerHash: hash, transactionHash: undefined };
  const walletClient = requireWallet(l1);
  try {
    const { request } = await l1.publicClient.simulateContract({
      address: l1.addresses.inbox,
      abi: settlementInboxAbi,
      functionName: 'submitHeader',
      args: [
        headerArgs(header),
        { round: certificate.round, signature: bytesToHex(g2ToEip2537(certificate.signature)) },
      ],
      account: walletClient.account,
    });
    const transactionHash = await walletClient.writeContract({
      ...request,
      chain: walletClient.chain ?? null,
    });
    const receipt = await l1.publicClient.waitForTransactionReceipt({ hash: transactionHash });
    if (receipt.status !== 'success')
      throw new L1Error('submitHeader reverted.', { details: transactionHash });
    return { headerHash: hash, transactionHash };
  } catch (cause) {
    if (cause instanceof L1Error) throw cause;
    throw new L1Error(`Could not submit header ${header.height} to the inbox.`, { cause });
  }
}

/** Whether the inbox stores exactly this header at its height. */
export async function isHeaderStored(l1: SynodL1Config, header: BlockHeader, hash: Hex): Promise<boolean> {
  const stored = await l1.publicClient.readContract({
    address: l1.addresses.inbox,
    abi: settlementInboxAbi,
    functionName: 'headerHashes',
    args: [BigInt(header.height)],
  });
  return stored.toLowerCase() === hash;
}
