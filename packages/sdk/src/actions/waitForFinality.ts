import type { Hex } from 'viem';
import type { Client } from '../clients/createClient.ts';
import { DEFAULT_FINALITY_TIMEOUT_MS } from '../constants.ts';
import type { RpcRequestError } from '../errors/rpc.ts';
import { UndecryptableTransactionError } from '../errors/transaction.ts';
import { TimeoutError, type TransportError } from '../errors/transport.ts';
import { VerificationError } from '../errors/verification.ts';
import { isEnvelope, type RevealStatus, type Transaction, transactionId } from '../internal/protocol.ts';
import { sleep } from '../transports/retry.ts';
import type { TransactionInclusion } from '../types/synod.ts';
import { assertCertified } from '../utils/assertVerified.ts';
import { decodeInclusion } from '../utils/decode.ts';
import { subscribeOf } from '../utils/subscriptions.ts';
import { getBlock } from './getBlock.ts';
import { getTransactionStatus } from './getTransactionStatus.ts';
import { verifyTransactionInclusion } from './verifyTransactionInclusion.ts';

export interface WaitForFinalityParameters {
  txId: Hex;
  /**
   * The transaction's body (sendTransaction returns it). Without it, the body is read from the
   * finalizing block (one more call) and checked against txId.
   */
  transaction?: Transaction | undefined;
  /** Give up after this long (TimeoutError). Default 30 s. */
  timeoutMs?: number | undefined;
  /** Over HTTP, how often to ask. Default: the client's pollingIntervalMs (250 ms). */
  pollingIntervalMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** A finalized transaction, verified: everything an L1 contract needs to check it again. */
export interface WaitForFinalityReturnType extends TransactionInclusion {
  txId: Hex;
  transaction: Transaction;
  /**
   * An encrypted transaction (its envelope's txId was waited for): the plaintext transaction,
   * finalized at the head of block height + 2, with its own verified inclusion. Its sender and
   * nonce are the envelope's. When the envelope opened to nothing, waitForFinality throws
   * UndecryptableTransactionError instead.
   */
  revealed?: { txId: Hex; transaction: Transaction } & TransactionInclusion;
}

export type WaitForFinalityErrorType = TimeoutError | VerificationError | RpcRequestError | TransportError;

/**
 * Waits until the transaction is finalized and resolves only after verifying it locally: the
 * header hashes to the block hash, the certificate is the committee's threshold signature over
 * it (under the group key of its epoch: pinned in the client, or fetched once), and the Merkle
 * proof leads from the transaction's leaf to header.txRoot. A node cannot fake finality: a
 * forged certificate or proof rejects with VerificationError.
 *
 * RPC methods: `synod_subscribe` ('transactionFinality') over WebSocket, else polling
 * `synod_getTransactionStatus`; `synod_getCommittee` when the key is not pinned; `synod_getBlock`
 * when `transaction` is not given.
 *
 * @example
 * ```ts
 * const { txId, transaction } = await sendTransaction(client, { account, namespace, payload });
 * const finality = await waitForFinality(client, { txId, transaction, timeoutMs: 10_000 });
 * console.log(`final at height ${finality.height}, leaf ${finality.index}`);
 * ```
 */
export async function waitForFinality(
  client: Client,
  parameters: WaitForFinalityParameters,
): Promise<WaitForFinalityReturnType> {
  const txId = parameters.txId.toLowerCase() as Hex;
  const startedMs = performance.now();
  const timeoutMs = parameters.timeoutMs ?? DEFAULT_FINALITY_TIMEOUT_MS;
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = parameters.signal === undefined ? deadline : AbortSignal.any([parameters.signal, deadline]);
  // Every call under `signal`, the body fetch included, so `timeoutMs` bounds them all.
  const bounded = async <T>(work: Promise<T>): Promise<T> => {
    try {
      return await work;
    } catch (error) {
      if (deadline.aborted && !parameters.signal?.aborted) {
        throw new TimeoutError({ timeoutMs, what: `Waiting for the finality of ${txId}` });
      }
      throw error;
    }
  };
  const subscribe = subscribeOf(client);
  const inclusion = await bounded(
    subscribe !== undefined
      ? viaSubscription(subscribe, txId, signal)
      : viaPolling(client, txId, parameters.pollingIntervalMs ?? client.pollingIntervalMs, signal),
  );
  await assertCertified(client, {
    header: inclusion.header,
    certificate: inclusion.certificate,
    hash: inclusion.blockHash,
  });
  if (inclusion.height !== inclusion.header.height) {
    throw new VerificationError(
      'MALFORMED_RESPONSE',
      `inclusion height ${inclusion.height} ≠ header height ${inclusion.header.height}`,
    );
  }
  const transaction = parameters.transaction ?? (await bounded(bodyFromBlock(client, inclusion, signal)));
  if (transactionId(transaction, client.network) !== txId) {
    throw new VerificationError('TRANSACTION_MISMATCH', `the transaction body does not hash to ${txId}`);
  }
  if (!verifyTransactionInclusion({ ...inclusion, transaction, txId, network: client.network })) {
    throw new VerificationError(
      'INVALID_PROOF',
      `the Merkle proof of ${txId} at index ${inclusion.index} does not lead to the txRoot of height ${inclusion.height}`,
    );
  }
  if (!isEnvelope(transaction)) return { ...inclusion, txId, transaction };
  // An envelope: its plaintext is final two blocks later, or its verdict says it opens to nothing.
  const reveal = await bounded(revealOf(client, txId, inclusion.reveal, parameters, signal));
  if (reveal.status === 'undecryptable')
    throw new UndecryptableTransactionError(txId, reveal.height, reveal.reason);
  const revealed = await waitForFinality(client, {
    txId: reveal.txId,
    timeoutMs: Math.max(1, Math.floor(timeoutMs - (performance.now() - startedMs))),
    pollingIntervalMs: parameters.pollingIntervalMs,
    signal: parameters.signal,
  });
  const { revealed: _, ...plaintext } = revealed;
  if (
    plaintext.transaction.sender.toLowerCase() !== transaction.sender.toLowerCase() ||
    plaintext.transaction.nonce !== transaction.nonce ||
    plaintext.height !== inclusion.height + 2
  ) {
    throw new VerificationError(
      'TRANSACTION_MISMATCH',
      `the revealed ${reveal.txId} is not the plaintext of envelope ${txId} (sender, nonce or height differ)`,
    );
  }
  return { ...inclusion, txId, transaction, revealed: plaintext };
}

/** Polls the envelope's status until its reveal is decided (two blocks after it). */
async function revealOf(
  client: Client,
  txId: Hex,
  first: RevealStatus | undefined,
  parameters: WaitForFinalityParameters,
  signal: AbortSignal,
): Promise<Exclude<RevealStatus, { status: 'pending' }>> {
  let reveal = first;
  for (;;) {
    if (reveal !== undefined && reveal.status !== 'pending') return reveal;
    if (reveal !== undefined) await sleep(parameters.pollingIntervalMs ?? client.pollingIntervalMs, signal);
    const status = await getTransactionStatus(client, { txId, signal });
    if (status.status !== 'finalized') {
      throw new VerificationError(
        'MALFORMED_RESPONSE',
        `the finalized envelope ${txId} is ${status.status} now`,
      );
    }
    reveal = status.reveal ?? { status: 'pending' };
  }
}

async function viaPolling(client: Client, txId: Hex, pollingIntervalMs: number, signal: AbortSignal) {
  for (;;) {
    const status = await getTransactionStatus(client, { txId, signal });
    if (status.status === 'finalized') {
      const { status: _, ...inclusion } = status;
      return inclusion;
    }
    await sleep(pollingIntervalMs, signal);
  }
}

function viaSubscription(
  subscribe: NonNullable<ReturnType<typeof subscribeOf>>,
  txId: Hex,
  signal: AbortSignal,
): Promise<TransactionInclusion> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    let unsubscribe: (() => Promise<void>) | undefined;
    let settled = false;
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      void unsubscribe?.();
      action();
    };
    const onAbort = () => settle(() => reject(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    subscribe({
      topic: 'transactionFinality',
      filter: txId,
      onData: (result) => {
        try {
          const inclusion = decodeInclusion(result);
          settle(() => resolve(inclusion));
        } catch (error) {
          settle(() => reject(error));
        }
      },
      onError: (error) => settle(() => reject(error)),
    }).then(
      (subscription) => {
        if (settled) void subscription.unsubscribe();
        else unsubscribe = () => subscription.unsubscribe();
      },
      (error: unknown) => settle(() => reject(error)),
    );
  });
}

async function bodyFromBlock(
  client: Client,
  inclusion: TransactionInclusion,
  signal: AbortSignal,
): Promise<Transaction> {
  const block = await getBlock(client, { blockHash: inclusion.blockHash, includeTransactions: true, signal });
  const transaction = block?.transactions?.[inclusion.index];
  if (transaction === undefined) {
    throw new VerificationError(
      'TRANSACTION_MISMATCH',
      `the node has no transaction ${inclusion.index} in block ${inclusion.blockHash}`,
    );
  }
  return transaction;
}
