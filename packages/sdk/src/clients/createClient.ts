import type { Hex } from 'viem';
import { DEFAULT_POLLING_INTERVAL_MS } from '../constants.ts';
import type { NetworkDomain } from '../internal/protocol.ts';
import type { SynodRequestFn, Transport, TransportInstance } from '../transports/createTransport.ts';
import type { Committee, TrustedCommittee } from '../types/synod.ts';
import { createNonceManager, type NonceManager } from '../utils/nonceManager.ts';

export interface ClientConfig<T extends Transport<string, unknown> = Transport<string, unknown>> {
  /** http(url) or webSocket(url). */
  transport: T;
  /**
   * The deployment this client signs for and verifies against: the Synod network id, the
   * settlement chain id and the SettlementInbox address (all bound into every signature).
   */
  network: NetworkDomain;
  /**
   * Group keys the app trusts, per epoch. When given, certificates verify only against these (a
   * node cannot substitute its own key): a header of epoch e against the key pinned for the latest
   * epoch ≤ e (a reshare keeps the key while the epoch moves on; a new key is pinned with the
   * epoch it starts at); a header of an epoch before every pin fails with
   * VerificationError('UNKNOWN_COMMITTEE'). When absent, the key is fetched once per epoch with
   * synod_getCommittee: that trusts the node for the key (trust on first use); pin it, or read
   * it from the L1 CommitteeRegistry, where that matters.
   */
  committee?: TrustedCommittee | readonly TrustedCommittee[] | undefined;
  /** Where auto-filled nonces come from; default: one in-memory manager per client. */
  nonceManager?: NonceManager | undefined;
  /**
   * More nodes every sendTransaction submits to, at the same time as `transport` (e.g. the other
   * validators' RPC): more validators hold the transaction at once instead of a gossip hop later.
   * It resolves with the first node that admits it and fails only if every node refuses. For
   * speed, not safety: one honest recipient is all the fairness rule needs. Reads and
   * subscriptions stay on `transport`.
   */
  submitTo?: readonly Transport<string, unknown>[] | undefined;
  /** Polling interval of waitForFinality and the watchers over HTTP. Default 250 ms. */
  pollingIntervalMs?: number | undefined;
  key?: string | undefined;
  name?: string | undefined;
}

/** A client: plain data and the transport's request. Actions take it as their first argument. */
export interface Client<T extends Transport<string, unknown> = Transport<string, unknown>> {
  key: string;
  name: string;
  uid: string;
  transport: ReturnType<T>;
  request: SynodRequestFn;
  network: NetworkDomain;
  /** Pinned group keys by epoch; undefined when the client trusts the node's synod_getCommittee. */
  trustedCommittees: ReadonlyMap<number, Hex> | undefined;
  /** Pinned encryption keys by epoch (TrustedCommittee.encryptionKey); undefined when none is pinned. */
  pinnedEncryptionKeys: ReadonlyMap<number, Hex> | undefined;
  nonceManager: NonceManager;
  pollingIntervalMs: number;
  /** Committees fetched from the node, by epoch (bounded; see MAX_CACHED_COMMITTEES). */
  committeeCache: Map<number, Promise<Committee | null>>;
  /**
   * config.submitTo's transports, created once: sendTransaction also submits there. Close them
   * as `transport` is closed (a WebSocket one holds a connection).
   */
  submitTransports: readonly TransportInstance<string, unknown>[];
  /**
   * Certificates already verified by this client, keyed by what was verified (header hash,
   * round, signature, group key): each block's BLS check runs once (MAX_VERIFIED_CERTIFICATES).
   */
  verifiedCertificates: Set<string>;
  /**
   * Returns a new client with the actions `fn` builds added (viem's extend): how L1 actions and
   * app-specific actions are attached.
   */
  extend<const Extension extends object>(fn: (client: this) => Extension): this & Extension;
}

let uidCounter = 0;

/**
 * The bare client, without bound actions: for tree-shaking, call actions as functions on it.
 * createSynodClient is this plus synodActions.
 *
 * @example
 * ```ts
 * const client = createClient({ transport: http(url), network });
 * const status = await getStatus(client);
 * ```
 */
export function createClient<T extends Transport<string, unknown>>(config: ClientConfig<T>): Client<T> {
  const transport = config.transport() as ReturnType<T> & TransportInstance<string, unknown>;
  const pinned =
    config.committee === undefined
      ? undefined
      : new Map(
          (Array.isArray(config.committee) ? config.committee : [config.committee as TrustedCommittee]).map(
            (committee) => [committee.epoch, committee.groupPublicKey.toLowerCase() as Hex] as const,
          ),
        );
  const encryptionPins = (
    config.committee === undefined
      ? []
      : Array.isArray(config.committee)
        ? config.committee
        : [config.committee as TrustedCommittee]
  ).flatMap((committee) =>
    committee.encryptionKey === undefined
      ? []
      : [[committee.epoch, committee.encryptionKey.toLowerCase() as Hex] as const],
  );
  const client = {
    key: config.key ?? 'synod',
    name: config.name ?? 'Synod Client',
    uid: `synod-${++uidCounter}`,
    transport,
    request: transport.request,
    network: {
      networkId: config.network.networkId,
      chainId: config.network.chainId,
      inbox: config.network.inbox.toLowerCase() as NetworkDomain['inbox'],
    },
    trustedCommittees: pinned,
    pinnedEncryptionKeys: encryptionPins.length === 0 ? undefined : new Map(encryptionPins),
    nonceManager: config.nonceManager ?? createNonceManager(),
    pollingIntervalMs: config.pollingIntervalMs ?? DEFAULT_POLLING_INTERVAL_MS,
    committeeCache: new Map(),
    submitTransports: (config.submitTo ?? []).map((extra) => extra()),
    verifiedCertificates: new Set<string>(),
  };
  return withExtend(client) as Client<T>;
}

/** Adds `extend` to a client object (and to every client it returns). */
function withExtend<C extends object>(client: C): C & { extend: unknown } {
  const extended = client as C & { extend: (fn: (client: C) => object) => unknown };
  extended.extend = (fn) => withExtend({ ...extended, ...fn(extended) });
  return extended;
}
