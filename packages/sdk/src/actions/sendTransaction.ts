import { type Account, type Address, type Hex, hexToBytes, recoverTypedDataAddress } from 'viem';
import type { Client } from '../clients/createClient.ts';
import { DEFAULT_VALID_FOR_SECONDS } from '../constants.ts';
import { RpcRequestError } from '../errors/rpc.ts';
import { AccountNotSignableError, InvalidTransactionError } from '../errors/transaction.ts';
import type { TimeoutError, TransportError } from '../errors/transport.ts';
import { VerificationError } from '../errors/verification.ts';
import {
  ENCRYPTED_NAMESPACE,
  EncryptionError,
  encryptTransaction,
  normalizeTransactionSignature,
  parseTransaction,
  type SignedTransaction,
  type Transaction,
  toLowerHex,
  transactionCodec,
  transactionId,
  transactionTypedData,
} from '../internal/protocol.ts';
import { getCommittee } from './getCommittee.ts';

/** What signs for a JSON-RPC account: a viem WalletClient has this method. */
export interface TypedDataWallet {
  signTypedData(
    parameters: { account: Account | Address } & ReturnType<typeof transactionTypedData>,
  ): Promise<Hex>;
}

export interface SendTransactionParameters {
  /**
   * Who signs: a viem local account (privateKeyToAccount, mnemonicToAccount…) or any object with
   * `address` and `signTypedData`; or a JSON-RPC account (an address, or `{ type: 'json-rpc' }`)
   * together with `wallet`.
   */
  account: Account | Address;
  /** Signs for a JSON-RPC account (e.g. a WalletClient over window.ethereum). */
  wallet?: TypedDataWallet | undefined;
  /** bytes32 application id, e.g. keccak256(toHex('my-exchange')). */
  namespace: Hex;
  /** Application bytes (an order), at most MAX_TX_PAYLOAD_BYTES (4096). */
  payload: Hex;
  /**
   * The sender's nonce; filled from the client's nonceManager when omitted (by default: the
   * node's synod_getNextNonce on the address's first transaction, then counted locally).
   */
  nonce?: bigint | undefined;
  /** Unix seconds after which the transaction may not be included; default now + 60 s. */
  validUntil?: bigint | undefined;
  /**
   * Encrypt it to the committee (docs/protocol.md "Encrypted transactions"): no validator can
   * read it before its place in the order is final. The signed transaction is encrypted into an
   * envelope (signed too: two signatures) that is ordered like any transaction; the plaintext
   * lands two blocks later, and waitForFinality returns it as `revealed`. The key is the pinned
   * committee's `encryptionKey`, else the node's synod_getCommittee. Payload at most
   * MAX_ENCRYPTED_TX_PAYLOAD_BYTES (3831).
   */
  encrypt?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

export interface SendTransactionReturnType {
  /** The EIP-712 digest, computed locally and checked against the node's answer. */
  txId: Hex;
  /**
   * The signed transaction. waitForFinality and proveTransactionOnL1 take it to rebuild the Merkle
   * leaf without downloading the block, so unlike viem this returns more than the id.
   */
  transaction: SignedTransaction;
  /** With `encrypt`: the plaintext transaction the envelope (`transaction`) hides, and its id. */
  encrypted?: { txId: Hex; transaction: SignedTransaction } | undefined;
}

export type SendTransactionErrorType =
  | InvalidTransactionError
  | AccountNotSignableError
  | RpcRequestError
  | TransportError
  | TimeoutError
  | VerificationError;

/**
 * Signs a transaction (EIP-712, domain bound to the client's network, chain id and inbox) and
 * submits it to the node's mempool. Fills the nonce from the client's nonceManager and
 * validUntil (now + 60 s) when omitted; normalises the signature to low s and checks it recovers
 * the sender before sending. Returns once the node admitted it (not finalized: see
 * waitForFinality); with the client's `submitTo`, it goes to those nodes at the same time and
 * returns once the first admitted it. Resubmitting the same signed transaction is safe: the node
 * answers its txId.
 *
 * RPC method: `synod_sendTransaction`.
 *
 * @example
 * ```ts
 * import { privateKeyToAccount } from 'viem/accounts';
 * const account = privateKeyToAccount(process.env.KEY as Hex);
 * const { txId, transaction } = await sendTransaction(client, {
 *   account,
 *   namespace: keccak256(toHex('my-exchange')),
 *   payload: encodeOrder({ side: 'buy', size: 1n }),
 * });
 * ```
 */
export async function sendTransaction(
  client: Client,
  parameters: SendTransactionParameters,
): Promise<SendTransactionReturnType> {
  const account: Account =
    typeof parameters.account === 'string'
      ? { address: parameters.account, type: 'json-rpc' }
      : parameters.account;
  const sender = account.address.toLowerCase() as Address;
  const { networkId } = client.network;
  const autoNonce = parameters.nonce === undefined;
  const nonce =
    parameters.nonce ?? (await client.nonceManager.consume({ address: sender, networkId, client }));
  const releaseNonce = () => {
    if (autoNonce) client.nonceManager.release({ address: sender, networkId, nonce });
  };
  let signed: SignedTransaction;
  let encrypted: SendTransactionReturnType['encrypted'];
  try {
    const validUntil =
      parameters.validUntil ?? BigInt(Math.floor(Date.now() / 1000) + DEFAULT_VALID_FOR_SECONDS);
    signed = await sign(client, parameters, account, {
      networkId,
      namespace: parameters.namespace,
      sender,
      nonce,
      payload: parameters.payload,
      validUntil,
    });
    if (parameters.encrypt === true) {
      const plaintext = signed;
      const payload = encryptForCommittee(plaintext, await encryptionKeyOf(client, parameters.signal));
      signed = await sign(client, parameters, account, {
        networkId,
        namespace: ENCRYPTED_NAMESPACE,
        sender,
        nonce,
        payload,
        validUntil,
      });
      encrypted = { txId: transactionId(plaintext, client.network), transaction: plaintext };
    }
  } catch (error) {
    releaseNonce();
    throw error;
  }
  const txId = transactionId(signed, client.network);
  let answered: Hex;
  const encoded = toLowerHex(transactionCodec.encode(signed));
  const targets = [client.request, ...client.submitTransports.map((extra) => extra.request)];
  try {
    // Every node at once; the first that admits it answers (client.submitTo).
    answered = await Promise.any(
      targets.map((request) =>
        request({ method: 'synod_sendTransaction', params: [encoded] }, { signal: parameters.signal }),
      ),
    );
  } catch (error) {
    const errors = error instanceof AggregateError ? (error.errors as unknown[]) : [error];
    // Only a definite rejection by every node frees the nonce; after a network failure or a
    // timeout a node may hold the transaction, so the nonce stays used.
    if (
      errors.every(
        (failure) =>
          failure instanceof RpcRequestError &&
          !['NONCE_USED', 'DUPLICATE_NONCE'].includes(failure.dataCode ?? ''),
      )
    ) {
      releaseNonce();
    }
    throw errors[0]; // the client's own node's error
  }
  if (typeof answered !== 'string' || answered.toLowerCase() !== txId) {
    throw new VerificationError(
      'TRANSACTION_MISMATCH',
      `the node answered txId ${String(answered)}, expected ${txId}`,
    );
  }
  return { txId, transaction: signed, ...(encrypted === undefined ? {} : { encrypted }) };
}

/** The committee encryption key: the latest pinned one, else the current committee's from the node. */
async function encryptionKeyOf(client: Client, signal: AbortSignal | undefined): Promise<Hex> {
  const pinned = [...(client.pinnedEncryptionKeys ?? [])].sort(([a], [b]) => b - a)[0]?.[1];
  if (pinned !== undefined) return pinned;
  const committee = await getCommittee(client, { signal });
  if (committee?.encryptionKey === null || committee === null) {
    throw new InvalidTransactionError('ENCRYPTION_UNAVAILABLE', 'the committee has no encryption key');
  }
  return committee.encryptionKey;
}

function encryptForCommittee(plaintext: SignedTransaction, encryptionKey: Hex): Hex {
  try {
    return encryptTransaction({
      publicKey: hexToBytes(encryptionKey),
      transaction: plaintext,
      // 32 fresh bytes from the platform's CSPRNG (Node's and the browser's Web Crypto).
      seed: globalThis.crypto.getRandomValues(new Uint8Array(32)),
    });
  } catch (cause) {
    if (!(cause instanceof EncryptionError)) throw cause;
    throw new InvalidTransactionError(
      cause.code === 'MESSAGE_TOO_LARGE' ? 'PAYLOAD_TOO_LARGE' : 'ENCRYPTION_UNAVAILABLE',
      cause.message,
      { cause },
    );
  }
}

async function sign(
  client: Client,
  parameters: SendTransactionParameters,
  account: Account,
  transaction: Transaction,
): Promise<SignedTransaction> {
  let canonical: Transaction;
  try {
    const parsed = parseTransaction(transaction);
    canonical = {
      networkId: parsed.networkId,
      namespace: toLowerHex(parsed.namespace),
      sender: toLowerHex(parsed.sender),
      nonce: parsed.nonce,
      payload: toLowerHex(parsed.payload),
      validUntil: parsed.validUntil,
    };
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    throw new InvalidTransactionError(
      typeof code === 'string' ? code : 'MALFORMED',
      (cause as Error).message,
      {
        cause,
      },
    );
  }
  const typedData = transactionTypedData(canonical, client.network);
  let rawSignature: Hex;
  if (account.type === 'json-rpc') {
    if (parameters.wallet === undefined) throw new AccountNotSignableError(account.address);
    rawSignature = await parameters.wallet.signTypedData({ account, ...typedData });
  } else if (typeof account.signTypedData === 'function') {
    rawSignature = await account.signTypedData(typedData);
  } else {
    throw new AccountNotSignableError((account as { address: string }).address);
  }
  const signature = normalizeTransactionSignature(rawSignature);
  // Catch a wallet that signed with another key (or another domain) here, not as a node rejection.
  let signer: Address;
  try {
    signer = await recoverTypedDataAddress({ ...typedData, signature });
  } catch (cause) {
    throw new InvalidTransactionError('BAD_SIGNATURE', 'the wallet returned an unusable signature', {
      cause,
    });
  }
  if (signer.toLowerCase() !== canonical.sender) {
    throw new InvalidTransactionError(
      'SIGNER_MISMATCH',
      `the wallet's signature recovers ${signer}, not the sender ${canonical.sender}`,
    );
  }
  return { ...canonical, signature };
}
