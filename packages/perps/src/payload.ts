import { concat, encodeAbiParameters, type Hex, hexToBytes, toHex } from 'viem';
import {
  FLAG_REDUCE_ONLY,
  FLAG_REST,
  MAX_POSITION_SIZE,
  MAX_PRICE,
  MAX_UINT64,
  MAX_UINT128,
  PAYLOAD_VERSION,
  PayloadKind,
} from './model/constants.ts';

/**
 * Payloads of the clearinghouse's Synod transactions (docs/perps.md "Payloads"):
 * `version (1 byte) ‖ kind (1 byte) ‖ abi.encode(fields)`, every field one 32-byte word.
 */

export type Side = 'buy' | 'sell';

export interface OrderPayload {
  kind: 'order';
  market: number;
  /** buy = long (adds to a long, reduces a short); sell = short. */
  side: Side;
  /** Size units, > 0. */
  size: bigint;
  /** A buy fills only at a price ≤ this, a sell only at ≥ this (feed decimals). */
  limitPrice: bigint;
  /** Unix seconds: refused (or, resting, removed) once the block time is past it. */
  expiry: bigint;
  /** Never increase or flip the position. */
  reduceOnly?: boolean;
  /** If it cannot fill now (limit not met, market halted), rest until expiry; id = its sequence. */
  rest?: boolean;
}

export interface ClosePayload {
  kind: 'close';
  market: number;
  limitPrice: bigint;
  expiry: bigint;
}

export interface CancelPayload {
  kind: 'cancel';
  /** The resting order's id: the sequence number of the transaction that placed it. */
  orderId: bigint;
}

/** Collateral → claimable (then `claim()` on L1). */
export interface WithdrawPayload {
  kind: 'withdraw';
  amount: bigint;
}

/** Collateral → vault shares. */
export interface VaultDepositPayload {
  kind: 'vaultDeposit';
  amount: bigint;
}

/** Vault shares → collateral. */
export interface VaultWithdrawPayload {
  kind: 'vaultWithdraw';
  shares: bigint;
}

export type Payload =
  | OrderPayload
  | ClosePayload
  | CancelPayload
  | WithdrawPayload
  | VaultDepositPayload
  | VaultWithdrawPayload;

const words = (values: readonly bigint[]) =>
  encodeAbiParameters(
    values.map(() => ({ type: 'uint256' })),
    values,
  );

function header(kind: PayloadKind): Hex {
  return toHex(new Uint8Array([PAYLOAD_VERSION, kind]));
}

/**
 * Encodes a payload; throws RangeError for values the contract would refuse as malformed.
 *
 * @example
 * const payload = encodePayload({ kind: 'order', market: 0, side: 'buy', size: 10n ** 8n,
 *   limitPrice: 3_100_00000000n, expiry: BigInt(Math.floor(Date.now() / 1000) + 60) });
 */
export function encodePayload(payload: Payload): Hex {
  switch (payload.kind) {
    case 'order': {
      if (payload.size <= 0n || payload.size > MAX_POSITION_SIZE) throw new RangeError('size out of range');
      checkPrice(payload.limitPrice);
      checkUint64(payload.expiry);
      const flags = (payload.reduceOnly ? FLAG_REDUCE_ONLY : 0n) | (payload.rest ? FLAG_REST : 0n);
      return concat([
        header(PayloadKind.order),
        words([
          BigInt(payload.market),
          payload.side === 'buy' ? 0n : 1n,
          payload.size,
          payload.limitPrice,
          payload.expiry,
          flags,
        ]),
      ]);
    }
    case 'close':
      checkPrice(payload.limitPrice);
      checkUint64(payload.expiry);
      return concat([
        header(PayloadKind.close),
        words([BigInt(payload.market), payload.limitPrice, payload.expiry]),
      ]);
    case 'cancel':
      checkUint64(payload.orderId);
      return concat([header(PayloadKind.cancel), words([payload.orderId])]);
    case 'withdraw':
      return concat([header(PayloadKind.withdraw), words([checkAmount(payload.amount)])]);
    case 'vaultDeposit':
      return concat([header(PayloadKind.vaultDeposit), words([checkAmount(payload.amount)])]);
    case 'vaultWithdraw':
      return concat([header(PayloadKind.vaultWithdraw), words([checkAmount(payload.shares)])]);
  }
}

function checkPrice(price: bigint) {
  if (price < 0n || price > MAX_PRICE) throw new RangeError('limitPrice out of range');
}

function checkUint64(value: bigint) {
  if (value < 0n || value > MAX_UINT64) throw new RangeError('value out of uint64 range');
}

function checkAmount(amount: bigint): bigint {
  if (amount <= 0n || amount > MAX_UINT128) throw new RangeError('amount out of range');
  return amount;
}

/** A payload split as the contract reads it: version, kind, and its 32-byte words. */
export interface RawPayload {
  version: number;
  kind: number;
  words: bigint[];
}

/** Splits a payload into words, or undefined if the contract refuses its shape (MalformedPayload). */
export function splitPayload(payload: Hex): RawPayload | undefined {
  const bytes = hexToBytes(payload);
  if (bytes.length < 2 || bytes[0] !== PAYLOAD_VERSION || (bytes.length - 2) % 32 !== 0) return undefined;
  const values: bigint[] = [];
  for (let offset = 2; offset < bytes.length; offset += 32) {
    values.push(BigInt(toHex(bytes.subarray(offset, offset + 32))));
  }
  return { version: bytes[0]!, kind: bytes[1]!, words: values };
}

/**
 * Decodes a payload into what `encodePayload` takes, or undefined if the contract would refuse
 * its shape (wrong version, length or word count, a field out of range: `MalformedPayload`).
 * `decodePayload(encodePayload(p))` equals `p` (flags that are not set come back as false).
 *
 * @example
 * const order = decodePayload(transaction.payload);
 * if (order?.kind === 'order') console.log(order.side, order.size, order.limitPrice);
 */
export function decodePayload(payload: Hex): Payload | undefined {
  const raw = splitPayload(payload);
  if (raw === undefined) return undefined;
  const { kind, words: w } = raw;
  const inRange = (value: bigint, max: bigint) => value <= max;
  const market = (value: bigint) => (value < 256n ? Number(value) : undefined);
  switch (kind) {
    case PayloadKind.order: {
      if (w.length !== 6) return undefined;
      const [m, side, size, limitPrice, expiry, flags] = w as [
        bigint,
        bigint,
        bigint,
        bigint,
        bigint,
        bigint,
      ];
      const index = market(m);
      if (
        index === undefined ||
        side > 1n ||
        size === 0n ||
        size > MAX_POSITION_SIZE ||
        !inRange(limitPrice, MAX_PRICE) ||
        !inRange(expiry, MAX_UINT64) ||
        flags > (FLAG_REDUCE_ONLY | FLAG_REST)
      )
        return undefined;
      return {
        kind: 'order',
        market: index,
        side: side === 0n ? 'buy' : 'sell',
        size,
        limitPrice,
        expiry,
        reduceOnly: (flags & FLAG_REDUCE_ONLY) !== 0n,
        rest: (flags & FLAG_REST) !== 0n,
      };
    }
    case PayloadKind.close: {
      if (w.length !== 3) return undefined;
      const [m, limitPrice, expiry] = w as [bigint, bigint, bigint];
      const index = market(m);
      if (index === undefined || !inRange(limitPrice, MAX_PRICE) || !inRange(expiry, MAX_UINT64))
        return undefined;
      return { kind: 'close', market: index, limitPrice, expiry };
    }
    case PayloadKind.cancel:
      return w.length === 1 && inRange(w[0]!, MAX_UINT64) ? { kind: 'cancel', orderId: w[0]! } : undefined;
    case PayloadKind.withdraw:
    case PayloadKind.vaultDeposit:
    case PayloadKind.vaultWithdraw: {
      if (w.length !== 1 || w[0]! === 0n || w[0]! > MAX_UINT128) return undefined;
      if (kind === PayloadKind.withdraw) return { kind: 'withdraw', amount: w[0]! };
      if (kind === PayloadKind.vaultDeposit) return { kind: 'vaultDeposit', amount: w[0]! };
      return { kind: 'vaultWithdraw', shares: w[0]! };
    }
    default:
      return undefined;
  }
}
