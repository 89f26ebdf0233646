import { type GetBlockParameters, type GetBlockReturnType, getBlock } from '../../actions/getBlock.ts';
import {
  type GetBlockOrderingParameters,
  type GetBlockOrderingReturnType,
  getBlockOrdering,
} from '../../actions/getBlockOrdering.ts';
import {
  type GetCommitteeParameters,
  type GetCommitteeReturnType,
  getCommittee,
} from '../../actions/getCommittee.ts';
import {
  type GetEvidenceParameters,
  type GetEvidenceReturnType,
  getEvidence,
} from '../../actions/getEvidence.ts';
import {
  type GetNamespaceBatchParameters,
  type GetNamespaceBatchReturnType,
  getNamespaceBatch,
} from '../../actions/getNamespaceBatch.ts';
import {
  type GetNextNonceParameters,
  type GetNextNonceReturnType,
  getNextNonce,
} from '../../actions/getNextNonce.ts';
import { type GetPriceParameters, type GetPriceReturnType, getPrice } from '../../actions/getPrice.ts';
import { type GetStatusParameters, type GetStatusReturnType, getStatus } from '../../actions/getStatus.ts';
import {
  type GetTransactionStatusParameters,
  type GetTransactionStatusReturnType,
  getTransactionStatus,
} from '../../actions/getTransactionStatus.ts';
import {
  type SendTransactionParameters,
  type SendTransactionReturnType,
  sendTransaction,
} from '../../actions/sendTransaction.ts';
import {
  type VerifyCertificateParameters,
  type VerifyCertificateReturnType,
  verifyCertificate,
} from '../../actions/verifyCertificate.ts';
import {
  type VerifyTransactionInclusionParameters,
  type VerifyTransactionInclusionReturnType,
  verifyTransactionInclusion,
} from '../../actions/verifyTransactionInclusion.ts';
import {
  type WaitForFinalityParameters,
  type WaitForFinalityReturnType,
  waitForFinality,
} from '../../actions/waitForFinality.ts';
import {
  type WatchBlocksParameters,
  type WatchBlocksReturnType,
  watchBlocks,
} from '../../actions/watchBlocks.ts';
import {
  type WatchPricesParameters,
  type WatchPricesReturnType,
  watchPrices,
} from '../../actions/watchPrices.ts';
import type { Client } from '../createClient.ts';

/** The Synod actions bound to a client (what createSynodClient adds). */
export interface SynodActions {
  sendTransaction(parameters: SendTransactionParameters): Promise<SendTransactionReturnType>;
  waitForFinality(parameters: WaitForFinalityParameters): Promise<WaitForFinalityReturnType>;
  getTransactionStatus(parameters: GetTransactionStatusParameters): Promise<GetTransactionStatusReturnType>;
  getBlock(parameters?: GetBlockParameters): Promise<GetBlockReturnType>;
  getNamespaceBatch(parameters: GetNamespaceBatchParameters): Promise<GetNamespaceBatchReturnType>;
  watchBlocks(parameters: WatchBlocksParameters): WatchBlocksReturnType;
  getPrice(parameters: GetPriceParameters): Promise<GetPriceReturnType>;
  watchPrices(parameters: WatchPricesParameters): WatchPricesReturnType;
  getCommittee(parameters?: GetCommitteeParameters): Promise<GetCommitteeReturnType>;
  getEvidence(parameters: GetEvidenceParameters): Promise<GetEvidenceReturnType>;
  getBlockOrdering(parameters: GetBlockOrderingParameters): Promise<GetBlockOrderingReturnType>;
  getStatus(parameters?: GetStatusParameters): Promise<GetStatusReturnType>;
  getNextNonce(parameters: GetNextNonceParameters): Promise<GetNextNonceReturnType>;
  /** verifyCertificate with the client's network filled in. */
  verifyCertificate(parameters: Omit<VerifyCertificateParameters, 'network'>): VerifyCertificateReturnType;
  /** verifyTransactionInclusion with the client's network filled in. */
  verifyTransactionInclusion(
    parameters: Omit<VerifyTransactionInclusionParameters, 'network'>,
  ): VerifyTransactionInclusionReturnType;
}

/**
 * Binds every Synod action to `client`. createSynodClient applies it; with createClient, apply
 * it (or only the actions you use) through `extend`.
 *
 * @example
 * ```ts
 * const client = createClient({ transport: http(url), network }).extend(synodActions);
 * ```
 */
export function synodActions(client: Client): SynodActions {
  return {
    sendTransaction: (parameters) => sendTransaction(client, parameters),
    waitForFinality: (parameters) => waitForFinality(client, parameters),
    getTransactionStatus: (parameters) => getTransactionStatus(client, parameters),
    getBlock: (parameters) => getBlock(client, parameters),
    getNamespaceBatch: (parameters) => getNamespaceBatch(client, parameters),
    watchBlocks: (parameters) => watchBlocks(client, parameters),
    getPrice: (parameters) => getPrice(client, parameters),
    watchPrices: (parameters) => watchPrices(client, parameters),
    getCommittee: (parameters) => getCommittee(client, parameters),
    getEvidence: (parameters) => getEvidence(client, parameters),
    getBlockOrdering: (parameters) => getBlockOrdering(client, parameters),
    getStatus: (parameters) => getStatus(client, parameters),
    getNextNonce: (parameters) => getNextNonce(client, parameters),
    verifyCertificate: (parameters) => verifyCertificate({ ...parameters, network: client.network }),
    verifyTransactionInclusion: (parameters) =>
      verifyTransactionInclusion({ ...parameters, network: client.network }),
  };
}
