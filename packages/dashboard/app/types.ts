// What the dashboard's server hands the page (GET /config.json). Types only: the server and the
// page both import it, so it must stay free of DOM and Node APIs.

export type Hex = `0x${string}`;

export interface DashboardNode {
  /** As the operator names it (the testnet: node-0 …). */
  name: string;
  /** The node's JSON-RPC over HTTP (its rpc.corsOrigins must list the dashboard's origin). */
  rpcUrl: string;
  /** The same port's WebSocket (ws://…/ws): subscriptions. */
  wsUrl: string;
}

/** A contract the dashboard reads on L1 with eth_call. */
export interface DashboardSettlement {
  /** Shown as its title, e.g. "Clearinghouse (perps)". */
  name: string;
  /** A SynodBatchSettlement (lastSettledHeight()). */
  address: Hex;
  /** Its namespace: the next batch to settle is synod_getNextNamespaceBatch(namespace, lastSettledHeight). */
  namespace: Hex;
}

export interface DashboardL1 {
  /** An Ethereum JSON-RPC endpoint that allows the dashboard's origin (anvil does by default). */
  rpcUrl: string;
  chainId: number;
  /** The SettlementInbox the nodes post headers to (latestHeight()). */
  inbox: Hex;
  /** Chainlink-style adapters of the feeds on L1 (latestRoundData(), decimals()). */
  adapters: { feedId: Hex; address: Hex }[];
  settlements: DashboardSettlement[];
}

export interface DashboardConfig {
  /** The page title, e.g. "Synod testnet". */
  title: string;
  nodes: DashboardNode[];
  /** Absent: the L1 panel says so. */
  l1?: DashboardL1;
  /** How often the page polls synod_status and L1, ms. */
  pollIntervalMs: number;
}
