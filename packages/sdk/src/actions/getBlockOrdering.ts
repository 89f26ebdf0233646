import type { Hex } from 'viem';
import type { Client } from '../clients/createClient.ts';
import type { RpcRequestError } from '../errors/rpc.ts';
import type { TimeoutError, TransportError } from '../errors/transport.ts';
import { VerificationError } from '../errors/verification.ts';
import {
  extensionMessage,
  parseHex,
  revealedEnvelopeIndices,
  type SignedVoteExtension,
  VoteExtensionCodec,
} from '../internal/protocol.ts';
import type { Block, BlockOrdering, FinalizedTransaction } from '../types/synod.ts';
import { verifyBlsSignature } from '../utils/bls.ts';
import { decodeBlockOrdering, decodeCommittee } from '../utils/decode.ts';
import { getBlock } from './getBlock.ts';

export interface GetBlockOrderingParameters {
  /** Height of a finalized block (≥ 1). */
  height: number;
  /**
   * Check the answer against the signed vote extensions it carries and the certified blocks
   * (see getBlockOrdering) before returning it. Default true.
   */
  verify?: boolean | undefined;
  signal?: AbortSignal | undefined;
}
export type GetBlockOrderingReturnType = BlockOrdering | null;
export type GetBlockOrderingErrorType = RpcRequestError | TransportError | TimeoutError | VerificationError;

/**
 * Why finalized block `height` holds what it holds, in the order it does (docs/consensus.md
 * "Vote extensions and fair block content"): the ≥ 2f+1 signed vote extensions of the commit of
 * height − 1 its content derives from, each validator's first-seen time of each transaction, the
 * fair timestamp (the (f+1)-th smallest report) and effective timestamp of each, what was
 * reported but left out, and each feed's observations with their median and [low, high]. `null`
 * when the node has not finalized `height`; RpcRequestError `UNAVAILABLE` when it no longer holds
 * (or never held) the extensions.
 *
 * Unless `verify: false`, the answer is refused with VerificationError `INVALID_ORDERING` unless:
 * every `validators[].extension` decodes (VoteExtensionCodec), is for the client's network,
 * height − 1 and the certified hash of block height − 1, comes from a distinct member of the
 * committee of that block's epoch and carries a share signature over extensionMessage that
 * verifies under that member's share key; there are ≥ 2f+1 of them (f = ⌊(n − 1)/3⌋ for that
 * committee's size n, which signerCount and faultTolerance must state); the validators' clocks,
 * inclusion-list sizes, every transaction's firstSeen reports, fair timestamp ((f+1)-th smallest
 * report) and effective timestamp (the later of its own and its sender's previous fair
 * transaction's), the block time (max(parent + 1, lower median of the clocks)), the unordered
 * transactions' reports and fair timestamps, and each feed's observations, median, low, high and
 * finalized answer are exactly what those extensions and the certified blocks give; and the
 * transactions listed are the certified block's, in its order, with their senders, nonces and
 * namespaces (blocks verified as getBlock's `verify: true` does: certificate under the group
 * key, txRoot, priceRoot; a revealed transaction must open an envelope of block height − 2, as
 * the node tells them apart). Certificate failures keep their own reasons (INVALID_CERTIFICATE,
 * UNKNOWN_COMMITTEE, …).
 *
 * What it does not prove: the share keys come from synod_getCommittee, which the RPC does not
 * yet prove against the group key (as for getEvidence), so a lying node could report keys of its
 * own along with extensions it signed; that the block's order is the content function's output
 * over those extensions (its validity rules need the chain state; the committee checked that
 * when it certified the block); that the extensions are all those the proposal carried (the node
 * stores what it was given; any ≥ 2f+1 valid ones are a legitimate input); and which unordered
 * transactions beyond the listed ones exist or were finalized earlier (only the counts are
 * checked against the extensions).
 *
 * RPC methods: `synod_getBlockOrdering`, and when verifying `synod_getBlockByHeight` (heights
 * height, height − 1 and height − 2), `synod_getCommittee`.
 *
 * @example
 * ```ts
 * const ordering = await getBlockOrdering(client, { height: 1200 });
 * for (const tx of ordering?.transactions ?? [])
 *   console.log(tx.txId, `fair at ${tx.fairTimestampMs}`, tx.firstSeen.map((report) => report.firstSeenMs));
 * ```
 */
export async function getBlockOrdering(
  client: Client,
  parameters: GetBlockOrderingParameters,
): Promise<GetBlockOrderingReturnType> {
  const options = { signal: parameters.signal };
  const result = await client.request(
    { method: 'synod_getBlockOrdering', params: [parameters.height] },
    options,
  );
  if (result === null) return null;
  const ordering = decodeBlockOrdering(result);
  if (ordering.height !== parameters.height) {
    throw new VerificationError(
      'MALFORMED_RESPONSE',
      `asked for the ordering of height ${parameters.height}, got height ${ordering.height}`,
    );
  }
  if (parameters.verify !== false) await verifyOrdering(client, ordering, parameters.signal);
  return ordering;
}

function invalid(details: string): VerificationError {
  return new VerificationError('INVALID_ORDERING', details);
}

type Reports = BlockOrdering['transactions'][number]['firstSeen'];

function sameReports(a: Reports, b: Reports): boolean {
  return (
    a.length === b.length &&
    a.every(
      (report, i) =>
        report.validatorIndex === b[i]!.validatorIndex && report.firstSeenMs === b[i]!.firstSeenMs,
    )
  );
}

/** The (f+1)-th smallest report, or null with fewer than f+1 (docs/consensus.md "Fair timestamp"). */
function fairTimestampOf(reports: Reports, f: number): number | null {
  if (reports.length < f + 1) return null;
  return reports.map((report) => report.firstSeenMs).sort((a, b) => a - b)[f]!;
}

const compareBigint = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

async function certifiedBlock(
  client: Client,
  height: number,
  includeTransactions: boolean,
  signal: AbortSignal | undefined,
): Promise<Block> {
  const block = await getBlock(client, { height, includeTransactions, verify: true, signal });
  if (block === null || block.header.height !== height) {
    throw invalid(`the node answers an ordering that involves block ${height}, but serves no such block`);
  }
  return block;
}

async function verifyOrdering(
  client: Client,
  ordering: BlockOrdering,
  signal: AbortSignal | undefined,
): Promise<void> {
  const { height } = ordering;
  const { networkId } = client.network;
  // The block itself, with its transactions (certificate, txRoot, priceRoot).
  const block = await certifiedBlock(client, height, true, signal);
  const { header } = block;
  if (
    ordering.blockHash !== block.hash ||
    ordering.epoch !== header.epoch ||
    ordering.timestampMs !== header.timestampMs ||
    ordering.proposerIndex !== header.proposerIndex
  ) {
    throw invalid(
      `the ordering's block hash, epoch, time or proposer are not those of certified block ${height}`,
    );
  }
  // The extensions are bound to the certified block height − 1 and signed by its epoch's committee.
  const parent = height > 1 ? await certifiedBlock(client, height - 1, false, signal) : undefined;
  const epoch = parent?.header.epoch ?? header.epoch;
  const committeeAnswer = await client.request({ method: 'synod_getCommittee', params: [epoch] }, { signal });
  if (committeeAnswer === null) {
    throw new VerificationError('UNKNOWN_COMMITTEE', `the node reports no committee of epoch ${epoch}`);
  }
  const committee = decodeCommittee(committeeAnswer);
  if (committee.epoch !== epoch) {
    throw new VerificationError('MALFORMED_RESPONSE', `asked for committee ${epoch}, got ${committee.epoch}`);
  }
  const n = committee.members.length;
  const f = Math.floor((n - 1) / 3);
  if (ordering.signerCount !== n || ordering.faultTolerance !== f) {
    throw invalid(
      `signerCount ${ordering.signerCount} and faultTolerance ${ordering.faultTolerance}, the committee of epoch ${epoch} has n = ${n}, f = ${f}`,
    );
  }

  const extensions: SignedVoteExtension[] = [];
  let previousIndex = -1;
  for (const [i, validator] of ordering.validators.entries()) {
    let extension: SignedVoteExtension;
    try {
      extension = VoteExtensionCodec.decode(parseHex(validator.extension) ?? new Uint8Array());
    } catch (cause) {
      throw new VerificationError('INVALID_ORDERING', `validators[${i}].extension does not decode`, {
        cause,
      });
    }
    const who = `the extension of validator ${extension.validatorIndex}`;
    if (parent === undefined) throw invalid(`block 1 derives from no extensions, the node lists ${who}`);
    if (
      extension.networkId !== networkId ||
      extension.height !== height - 1 ||
      extension.blockId !== parent.hash
    ) {
      throw invalid(
        `${who} is for network ${extension.networkId}, height ${extension.height}, block ${extension.blockId}: not certified block ${height - 1} (${parent.hash})`,
      );
    }
    if (extension.validatorIndex <= previousIndex) {
      throw invalid(`${who} is listed after validator ${previousIndex}: not distinct validators by index`);
    }
    previousIndex = extension.validatorIndex;
    const shareKey = committee.members.find(
      (member) => member.index === extension.validatorIndex,
    )?.blsPublicKey;
    if (shareKey === undefined) throw invalid(`${who}: no such member of the committee of epoch ${epoch}`);
    if (!verifyBlsSignature(shareKey, extensionMessage(extension), extension.signature)) {
      throw invalid(`${who} does not verify under its share key`);
    }
    if (
      validator.validatorIndex !== extension.validatorIndex ||
      validator.timestampMs !== extension.timestampMs ||
      validator.reported !== extension.inclusionList.length
    ) {
      throw invalid(`validators[${i}] is not what ${who} says (index, clock or inclusion-list size)`);
    }
    extensions.push(extension);
  }
  if (parent !== undefined) {
    if (extensions.length < 2 * f + 1) {
      throw invalid(`${extensions.length} signed extensions, fewer than 2f+1 = ${2 * f + 1} (n = ${n})`);
    }
    const clocks = extensions.map((extension) => extension.timestampMs).sort((a, b) => a - b);
    const expected = Math.max(parent.header.timestampMs + 1, clocks[(clocks.length - 1) >> 1]!);
    if (expected !== header.timestampMs) {
      throw invalid(
        `the extensions' clocks give block time ${expected}, certified block ${height} has ${header.timestampMs}`,
      );
    }
  }

  // Every report, by txId, in validator order (as the node lists them).
  const reports = new Map<Hex, Reports>();
  for (const extension of extensions) {
    for (const entry of extension.inclusionList) {
      const txId = entry.txId.toLowerCase() as Hex;
      const list = reports.get(txId) ?? [];
      list.push({ validatorIndex: extension.validatorIndex, firstSeenMs: entry.firstSeenMs });
      reports.set(txId, list);
    }
  }

  // The transactions: exactly the certified block's, in order.
  const transactions = block.transactions!;
  if (ordering.transactions.length !== transactions.length) {
    throw invalid(
      `${ordering.transactions.length} transactions listed, certified block ${height} has ${transactions.length}`,
    );
  }
  const revealed = height >= 3 ? await revealedEnvelopes(client, height, transactions, signal) : [];
  const lastOfSender = new Map<string, number>();
  for (const [i, tx] of ordering.transactions.entries()) {
    const certified = transactions[i]!;
    const what = `transaction ${i} (${tx.txId})`;
    if (
      tx.index !== i ||
      tx.txId !== certified.txId ||
      tx.sender !== certified.sender.toLowerCase() ||
      tx.nonce !== certified.nonce ||
      tx.namespace !== certified.namespace.toLowerCase()
    ) {
      throw invalid(`${what} is not transaction ${i} of certified block ${height} (${certified.txId})`);
    }
    if (!sameReports(tx.firstSeen, reports.get(tx.txId) ?? [])) {
      throw invalid(`the firstSeen reports of ${what} are not those of the signed extensions`);
    }
    const envelopeTxId = revealed[i];
    if (envelopeTxId !== undefined) {
      if (
        tx.source !== 'revealed' ||
        tx.envelopeTxId !== envelopeTxId ||
        tx.fairTimestampMs !== header.timestampMs ||
        tx.effectiveTimestampMs !== header.timestampMs
      ) {
        throw invalid(
          `${what} opens envelope ${envelopeTxId} of block ${height - 2}: revealed, at the block time`,
        );
      }
      continue;
    }
    if (tx.source !== 'fair' || tx.envelopeTxId !== null) {
      throw invalid(`${what} is listed as revealed, but opens no envelope of block ${height - 2}`);
    }
    const fair = fairTimestampOf(tx.firstSeen, f);
    if (fair === null || tx.fairTimestampMs !== fair) {
      throw invalid(
        `${what} has fairTimestampMs ${tx.fairTimestampMs}, its (f+1)-th smallest report is ${fair ?? 'missing (fewer than f+1 reports)'}`,
      );
    }
    const effective = Math.max(fair, lastOfSender.get(tx.sender) ?? fair);
    if (tx.effectiveTimestampMs !== effective) {
      throw invalid(
        `${what} has effectiveTimestampMs ${tx.effectiveTimestampMs}, its fair timestamp and sender give ${effective}`,
      );
    }
    lastOfSender.set(tx.sender, effective);
  }

  // What was reported but left out: the listed entries are reported, outside the block, with
  // their reports and fair timestamps; listed and finalized-earlier ones add up to all of them.
  const inBlock = new Set(transactions.map((tx) => tx.txId));
  const left = [...reports.keys()].filter((txId) => !inBlock.has(txId));
  const listed = new Set<Hex>();
  for (const tx of ordering.unordered) {
    const own = reports.get(tx.txId);
    if (own === undefined || inBlock.has(tx.txId) || listed.has(tx.txId)) {
      throw invalid(`unordered transaction ${tx.txId} is not one reported and left out (or is listed twice)`);
    }
    listed.add(tx.txId);
    if (!sameReports(tx.firstSeen, own) || tx.fairTimestampMs !== fairTimestampOf(own, f)) {
      throw invalid(
        `the reports or fair timestamp of unordered transaction ${tx.txId} are not the signed extensions'`,
      );
    }
  }
  const candidatesLeft = left.filter((txId) => fairTimestampOf(reports.get(txId)!, f) !== null).length;
  if (
    ordering.unordered.length > ordering.unorderedTotal ||
    ordering.unorderedTotal + ordering.finalizedEarlier !== left.length ||
    ordering.finalizedEarlier > candidatesLeft
  ) {
    throw invalid(
      `the extensions report ${left.length} transactions outside the block (${candidatesLeft} candidates); the node counts ${ordering.unorderedTotal} unordered and ${ordering.finalizedEarlier} finalized earlier`,
    );
  }

  // Each feed: observations in validator order, their lower median and (f+1)-th smallest and
  // largest (docs/oracle.md), and the certified block's answer.
  const observations = new Map<Hex, { validatorIndex: number; price: bigint }[]>();
  for (const extension of extensions) {
    for (const { feedId, price } of extension.prices) {
      const key = feedId.toLowerCase() as Hex;
      const list = observations.get(key) ?? [];
      list.push({ validatorIndex: extension.validatorIndex, price });
      observations.set(key, list);
    }
  }
  const answers = new Map(block.prices.map((price) => [price.feedId.toLowerCase() as Hex, price.answer]));
  const feeds = [...new Set([...observations.keys(), ...answers.keys()])].sort();
  if (
    ordering.prices.length !== feeds.length ||
    ordering.prices.some((feed, i) => feed.feedId !== feeds[i])
  ) {
    throw invalid(`the feeds listed are not the ${feeds.length} the extensions observe and the block prices`);
  }
  for (const feed of ordering.prices) {
    const own = observations.get(feed.feedId) ?? [];
    const sorted = own.map((observation) => observation.price).sort(compareBigint);
    const quorum = sorted.length >= 2 * f + 1;
    const expected = {
      median: quorum ? sorted[(sorted.length - 1) >> 1]! : null,
      low: quorum ? sorted[f]! : null,
      high: quorum ? sorted[sorted.length - 1 - f]! : null,
      answer: answers.get(feed.feedId) ?? null,
    };
    if (
      feed.observations.length !== own.length ||
      feed.observations.some(
        (observation, i) =>
          observation.validatorIndex !== own[i]!.validatorIndex || observation.price !== own[i]!.price,
      ) ||
      feed.median !== expected.median ||
      feed.low !== expected.low ||
      feed.high !== expected.high ||
      feed.answer !== expected.answer
    ) {
      throw invalid(
        `feed ${feed.feedId}: observations, median, low, high or answer are not what the extensions and the certified block give`,
      );
    }
  }
}

/**
 * The envelope txIds block `height` reveals, by position: as the node tells them apart, its
 * leading transactions that have the sender and nonce of block height − 2's envelopes, in order.
 */
async function revealedEnvelopes(
  client: Client,
  height: number,
  transactions: readonly FinalizedTransaction[],
  signal: AbortSignal | undefined,
): Promise<Hex[]> {
  const source = (await certifiedBlock(client, height - 2, true, signal)).transactions!;
  return revealedEnvelopeIndices(source, transactions).map((index) => source[index]!.txId);
}
