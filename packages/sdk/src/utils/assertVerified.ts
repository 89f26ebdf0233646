import type { Hex } from 'viem';
import { verifyCertificate } from '../actions/verifyCertificate.ts';
import type { Client } from '../clients/createClient.ts';
import { MAX_VERIFIED_CERTIFICATES } from '../constants.ts';
import { VerificationError } from '../errors/verification.ts';
import { headerHash, merkleRoot, priceLeaf, transactionId, transactionLeaf } from '../internal/protocol.ts';
import type { Block, BlockHeader, Certificate } from '../types/synod.ts';
import { groupPublicKeyOf } from './committee.ts';

/**
 * Throws VerificationError unless `header` is certified for the client's network: the right
 * network id, `hash` (when the node gave one) is its header hash, and the certificate verifies
 * under the group key of header.epoch.
 */
export async function assertCertified(
  client: Client,
  { header, certificate, hash }: { header: BlockHeader; certificate: Certificate; hash?: Hex | undefined },
): Promise<void> {
  if (header.networkId !== client.network.networkId) {
    throw new VerificationError(
      'WRONG_NETWORK',
      `header of network ${header.networkId}, the client is for ${client.network.networkId}`,
    );
  }
  let computed: Hex;
  try {
    computed = headerHash(header, client.network);
  } catch (cause) {
    throw new VerificationError('MALFORMED_RESPONSE', 'the header cannot be hashed', { cause });
  }
  if (hash !== undefined && computed !== hash.toLowerCase()) {
    throw new VerificationError(
      'HEADER_HASH_MISMATCH',
      `header hashes to ${computed}, the node said ${hash}`,
    );
  }
  const groupPublicKey = await groupPublicKeyOf(client, header.epoch);
  // The same header hash, round, signature and key verified once need not be paired again (all
  // four are in the key: a different certificate for the same header is checked on its own).
  const key = `${computed}/${certificate.round}/${certificate.signature.toLowerCase()}/${groupPublicKey.toLowerCase()}`;
  if (client.verifiedCertificates.has(key)) return;
  if (!verifyCertificate({ header, certificate, groupPublicKey, network: client.network })) {
    throw new VerificationError(
      'INVALID_CERTIFICATE',
      `the certificate of height ${header.height} (round ${certificate.round}) does not verify under the group key of epoch ${header.epoch}`,
    );
  }
  const verified = client.verifiedCertificates;
  if (verified.size >= MAX_VERIFIED_CERTIFICATES) verified.delete(verified.values().next().value!);
  verified.add(key);
}

/**
 * Throws VerificationError unless the whole block is what its certified header commits to: the
 * certificate (assertCertified), the prices against priceRoot, and, when the block carries its
 * transactions, every txId recomputed from its body, the transactions against txRoot and their
 * distinct namespaces against namespaceCount.
 */
export async function assertBlockVerified(client: Client, block: Block): Promise<void> {
  await assertCertified(client, block);
  const { header } = block;
  if (
    block.prices.length !== header.priceCount ||
    merkleRoot(block.prices.map(priceLeaf)) !== header.priceRoot
  ) {
    throw new VerificationError(
      'PRICE_MISMATCH',
      `the prices of height ${header.height} do not match its priceRoot`,
    );
  }
  if (block.transactionIds.length !== header.txCount) {
    throw new VerificationError(
      'INVALID_PROOF',
      `height ${header.height} lists ${block.transactionIds.length} txIds, its header ${header.txCount}`,
    );
  }
  if (block.transactions === undefined) return;
  const leaves = block.transactions.map((transaction, i) => {
    const txId = transactionId(transaction, client.network);
    if (txId !== transaction.txId || txId !== block.transactionIds[i]) {
      throw new VerificationError(
        'TRANSACTION_MISMATCH',
        `transaction ${i} of height ${header.height} hashes to ${txId}`,
      );
    }
    return transactionLeaf(transaction, txId);
  });
  if (merkleRoot(leaves) !== header.txRoot) {
    throw new VerificationError(
      'INVALID_PROOF',
      `the transactions of height ${header.height} do not match its txRoot`,
    );
  }
  // namespaceRoot also commits each namespace's sequence before the block, which one block does
  // not show; its leaf count is checkable: one per distinct namespace.
  const namespaces = new Set(block.transactions.map((transaction) => transaction.namespace.toLowerCase()));
  if (namespaces.size !== header.namespaceCount) {
    throw new VerificationError(
      'INVALID_PROOF',
      `the transactions of height ${header.height} have ${namespaces.size} namespaces, its header namespaceCount ${header.namespaceCount}`,
    );
  }
}
