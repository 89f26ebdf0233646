// The dashboard page: polls every node's synod_status, subscribes to newBlocks on one node, reads
// each new block's ordering evidence (synod_getBlockOrdering) and L1's contracts, and renders.
// Everything it shows comes from the nodes' public JSON-RPC and L1: what any app could read.

import type { RpcBlockSummary, RpcCommittee, RpcStatus } from '@synod/protocol/pure';
import { chartSvg, legendHtml } from './chart.ts';
import {
  abiSignedWord,
  abiWord,
  type BlockOrdering,
  deviationBps,
  escapeHtml,
  fairnessTable,
  finalityLatencies,
  formatMs,
  formatNumber,
  formatOffset,
  OUTLIER_BPS,
  observationPlace,
  observedSpread,
  percentile,
  SELECTORS,
  scaled,
  shortHex,
  TimeWindow,
} from './model.ts';
import { RpcCallError, rpcCall, Subscription } from './rpc.ts';
import type { DashboardConfig, DashboardNode, Hex } from './types.ts';

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];
const CHART_SPAN_MS = 5 * 60_000;
const LATENCY_WINDOW_MS = 10_000;
const KEPT_BLOCKS = 120;
const BACKFILL_BLOCKS = 20;

interface NodeView {
  node: DashboardNode;
  status?: RpcStatus;
  error?: string;
  balanceWei?: bigint;
  heights: TimeWindow<{ atMs: number; height: number }>;
  /** A node that does not answer is asked again after a back-off (1 s doubling to 8 s), not every poll. */
  retryAtMs: number;
  failures: number;
}

interface BlockRow {
  height: number;
  hash: Hex;
  txCount: number;
  proposerIndex: number;
  timestampMs: number;
  /** When the page learned it was final. */
  atMs: number;
}

interface FeedMeta {
  pair: string;
  decimals: number;
}

interface PricePoint {
  atMs: number;
  height: number;
  /** Finalized in this block (undefined: held by the breaker, or no quorum). */
  answer: number | undefined;
  /** The lowest and highest observation of the block. */
  min: number | undefined;
  max: number | undefined;
}

interface L1View {
  error?: string;
  blockNumber?: bigint;
  inboxHeight?: bigint;
  prices: Map<Hex, { answer: bigint; decimals: number; updatedAt: bigint }>;
  settlements: { lastSettledHeight?: bigint; nextBatchHeight?: number | null; error?: string }[];
}

const state = {
  config: undefined as DashboardConfig | undefined,
  nodes: [] as NodeView[],
  committee: undefined as RpcCommittee | undefined,
  /** Index in state.nodes of the node whose newBlocks we follow. */
  followed: -1,
  subscription: undefined as Subscription<RpcBlockSummary> | undefined,
  subscriptionState: 'connecting…',
  blocks: [] as BlockRow[],
  orderings: new Map<number, BlockOrdering>(),
  orderingError: undefined as string | undefined,
  latencySamples: new TimeWindow<{ atMs: number; ms: number }>(LATENCY_WINDOW_MS),
  latency: new TimeWindow<{ atMs: number; p50: number; p99: number }>(CHART_SPAN_MS),
  feeds: new Map<Hex, FeedMeta>(),
  prices: new Map<Hex, TimeWindow<PricePoint>>(),
  /** A height, or undefined: follow the latest block with transactions. */
  selected: undefined as number | undefined,
  l1: { prices: new Map(), settlements: [] } as L1View,
};

const $ = (id: string) => {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`the page has no #${id}`);
  return element;
};

function ago(atMs: number): string {
  return `${Math.round((Date.now() - atMs) / 1000)} s ago`;
}

// ---------------------------------------------------------------------------------------------
// Reading

async function pollNodes(): Promise<void> {
  const config = state.config!;
  await Promise.all(
    state.nodes.map(async (view) => {
      if (Date.now() < view.retryAtMs) return;
      try {
        const status = await rpcCall<RpcStatus>(view.node.rpcUrl, 'synod_status', [], 2_000);
        view.status = status;
        view.error = undefined;
        view.failures = 0;
        view.heights.push({ atMs: Date.now(), height: status.finalizedHeight });
        for (const feed of status.oracle) {
          if (feed.pair !== null) state.feeds.set(feed.feedId, { pair: feed.pair, decimals: feed.decimals });
        }
      } catch (error) {
        view.error = error instanceof RpcCallError && error.code === 0 ? 'down' : (error as Error).message;
        view.status = undefined;
        view.failures++;
        view.retryAtMs = Date.now() + Math.min(8_000, 1_000 * 2 ** (view.failures - 1));
        return;
      }
      // L1 not answering says nothing about the node: its balance just goes stale (the L1 panel says why).
      const account = view.status.l1?.account;
      if (config.l1 !== undefined && account !== undefined) {
        const hex = await rpcCall<string>(config.l1.rpcUrl, 'eth_getBalance', [account, 'latest']).catch(
          () => undefined,
        );
        if (hex !== undefined) view.balanceWei = BigInt(hex);
      }
    }),
  );
  if (state.committee === undefined) {
    const up = state.nodes.find((view) => view.status !== undefined);
    if (up !== undefined) {
      state.committee =
        (await rpcCall<RpcCommittee | null>(up.node.rpcUrl, 'synod_getCommittee', []).catch(() => null)) ??
        undefined;
    }
  }
  // The followed node stopped answering (down, paused, cut off): its socket may still be open but
  // silent, so follow another one that answers.
  if (state.subscription !== undefined && state.nodes[state.followed]?.status === undefined) {
    state.subscription.close();
    state.subscription = undefined;
    state.subscriptionState = `${state.nodes[state.followed]?.node.name ?? 'the followed node'} does not answer`;
  }
  if (state.subscription === undefined) follow();
}

/** Subscribes to newBlocks on the first node that answers (again on another when it goes down). */
function follow(): void {
  const index = state.nodes.findIndex((view) => view.status !== undefined);
  if (index < 0) return;
  state.followed = index;
  const view = state.nodes[index]!;
  void backfill(view);
  state.subscription = new Subscription<RpcBlockSummary>({
    wsUrl: view.node.wsUrl,
    topic: 'newBlocks',
    onResult: (block) => void onBlock(view, block, Date.now()),
    // A lost socket reconnects by itself; a node that stops answering is left at the next poll.
    onState: (connected, reason) => {
      state.subscriptionState = connected ? `following ${view.node.name}` : (reason ?? 'disconnected');
      render();
    },
  });
}

/** The last BACKFILL_BLOCKS blocks, so the views are not empty until new ones arrive. */
async function backfill(view: NodeView): Promise<void> {
  const top = view.status?.finalizedHeight ?? 0;
  for (let height = Math.max(1, top - BACKFILL_BLOCKS + 1); height <= top; height++) {
    if (state.orderings.has(height)) continue;
    const ordering = await fetchOrdering(view, height);
    if (ordering === undefined) continue;
    addBlock({
      height,
      hash: ordering.blockHash,
      txCount: ordering.transactions.length,
      proposerIndex: ordering.proposerIndex,
      timestampMs: ordering.timestampMs,
      atMs: Date.now(),
    });
    addOrdering(ordering, undefined);
  }
  render();
}

async function fetchOrdering(view: NodeView, height: number): Promise<BlockOrdering | undefined> {
  try {
    const ordering = await rpcCall<BlockOrdering | null>(view.node.rpcUrl, 'synod_getBlockOrdering', [
      height,
    ]);
    state.orderingError = undefined;
    return ordering ?? undefined;
  } catch (error) {
    state.orderingError =
      error instanceof RpcCallError && error.code === -32601
        ? `${view.node.name} does not serve synod_getBlockOrdering (an older node): no fairness view`
        : `synod_getBlockOrdering(${height}): ${(error as Error).message}`;
    return undefined;
  }
}

function addBlock(row: BlockRow): void {
  if (state.blocks.some((block) => block.height === row.height)) return;
  state.blocks.push(row);
  state.blocks.sort((a, b) => a.height - b.height);
  while (state.blocks.length > KEPT_BLOCKS) state.blocks.shift();
}

function addOrdering(ordering: BlockOrdering, finalizedAtMs: number | undefined): void {
  state.orderings.set(ordering.height, ordering);
  for (const height of state.orderings.keys()) {
    if (height <= ordering.height - KEPT_BLOCKS) state.orderings.delete(height);
  }
  if (finalizedAtMs !== undefined) {
    for (const ms of finalityLatencies(ordering, finalizedAtMs))
      state.latencySamples.push({ atMs: finalizedAtMs, ms });
    const samples = state.latencySamples.points.map((point) => point.ms);
    const p50 = percentile(samples, 50);
    const p99 = percentile(samples, 99);
    if (p50 !== undefined && p99 !== undefined) state.latency.push({ atMs: finalizedAtMs, p50, p99 });
  }
  for (const price of ordering.prices) {
    const meta = state.feeds.get(price.feedId);
    if (meta === undefined) continue;
    let series = state.prices.get(price.feedId);
    if (series === undefined) {
      series = new TimeWindow<PricePoint>(CHART_SPAN_MS);
      state.prices.set(price.feedId, series);
    }
    const value = (answer: string | null | undefined) =>
      answer === null || answer === undefined ? undefined : scaled(answer, meta.decimals);
    if (series.points.some((point) => point.height === ordering.height)) continue;
    const spread = observedSpread(price.observations);
    series.push({
      atMs: ordering.timestampMs,
      height: ordering.height,
      answer: value(price.answer),
      min: value(spread?.min),
      max: value(spread?.max),
    });
  }
}

async function onBlock(view: NodeView, block: RpcBlockSummary, atMs: number): Promise<void> {
  const height = block.header.height;
  addBlock({
    height,
    hash: block.hash,
    txCount: block.header.txCount,
    proposerIndex: block.header.proposerIndex,
    timestampMs: block.header.timestampMs,
    atMs,
  });
  const ordering = await fetchOrdering(view, height);
  if (ordering !== undefined) addOrdering(ordering, atMs);
  render();
}

async function ethCall(rpcUrl: string, to: Hex, data: string): Promise<string> {
  return rpcCall<string>(rpcUrl, 'eth_call', [{ to, data }, 'latest']);
}

async function pollL1(): Promise<void> {
  const l1 = state.config!.l1;
  if (l1 === undefined) return;
  try {
    state.l1.blockNumber = BigInt(await rpcCall<string>(l1.rpcUrl, 'eth_blockNumber', []));
    state.l1.inboxHeight = abiWord(await ethCall(l1.rpcUrl, l1.inbox, SELECTORS.latestHeight), 0);
    for (const adapter of l1.adapters) {
      const known = state.l1.prices.get(adapter.feedId);
      const decimals =
        known?.decimals ?? Number(abiWord(await ethCall(l1.rpcUrl, adapter.address, SELECTORS.decimals), 0));
      try {
        const round = await ethCall(l1.rpcUrl, adapter.address, SELECTORS.latestRoundData);
        state.l1.prices.set(adapter.feedId, {
          answer: abiSignedWord(round, 1),
          decimals,
          updatedAt: abiWord(round, 3),
        });
      } catch {
        // No price on L1 yet: the adapter reverts until the first posting.
      }
    }
    const node = state.nodes[state.followed];
    state.l1.settlements = await Promise.all(
      l1.settlements.map(async (settlement) => {
        try {
          const lastSettledHeight = abiWord(
            await ethCall(l1.rpcUrl, settlement.address, SELECTORS.lastSettledHeight),
            0,
          );
          let nextBatchHeight: number | null = null;
          if (node !== undefined) {
            const next = await rpcCall<{ status: string; height: number }>(
              node.node.rpcUrl,
              'synod_getNextNamespaceBatch',
              [settlement.namespace, Number(lastSettledHeight)],
            );
            nextBatchHeight = next.status === 'batch' ? next.height : null;
          }
          return { lastSettledHeight, nextBatchHeight };
        } catch (error) {
          return { error: (error as Error).message };
        }
      }),
    );
    state.l1.error = undefined;
  } catch (error) {
    state.l1.error = (error as Error).message;
  }
}

// ---------------------------------------------------------------------------------------------
// Rendering

/** The highest finalized height known: any node's last status, or the last block notified. */
function finalizedHeight(): number | undefined {
  const heights = state.nodes.flatMap((view) =>
    view.status === undefined ? [] : [view.status.finalizedHeight],
  );
  const notified = state.blocks.at(-1)?.height;
  if (notified !== undefined) heights.push(notified);
  return heights.length === 0 ? undefined : Math.max(...heights);
}

function renderHeader(): void {
  const config = state.config!;
  const up = state.nodes.filter((view) => view.status !== undefined);
  const first = up[0]?.status;
  const committee = state.committee;
  $('title').textContent = config.title;
  const facts = [
    first === undefined
      ? 'no node answers'
      : `network ${first.networkId} · L1 chain ${first.chainId} · epoch ${first.epoch}`,
    committee === undefined ? '' : `threshold ${committee.threshold} of ${committee.members.length}`,
    `${up.length}/${state.nodes.length} nodes up`,
    state.subscriptionState,
  ].filter((fact) => fact !== '');
  $('facts').textContent = facts.join(' · ');
  $('finalized-height').textContent = String(finalizedHeight() ?? '—');
}

function renderValidators(): void {
  const rows = state.nodes.map((view) => {
    const status = view.status;
    if (status === undefined) {
      return `<tr class="down" data-node="${escapeHtml(view.node.name)}"><td>${escapeHtml(view.node.name)}</td><td><span class="pill bad">down</span></td><td colspan="7">${escapeHtml(view.error ?? 'not polled yet')}</td></tr>`;
    }
    const l1 = status.l1;
    const balance =
      view.balanceWei === undefined
        ? '—'
        : `${formatNumber(Number(view.balanceWei / 10n ** 14n) / 10_000, 4)} ETH`;
    const health = status.consensus.stalled
      ? '<span class="pill warn">stalled</span>'
      : status.syncing
        ? '<span class="pill warn">syncing</span>'
        : '<span class="pill good">up</span>';
    return `<tr data-node="${escapeHtml(view.node.name)}" data-up="true"><td>${escapeHtml(view.node.name)}</td><td>${health}</td><td class="num">${status.finalizedHeight}</td><td class="num">${status.consensusHeight} / r${status.consensusRound} ${escapeHtml(status.consensus.step)}</td><td class="num">${status.peers}</td><td class="num">${status.mempoolTransactions} (${formatNumber(status.mempoolBytes / 1024, 1)} KiB)</td><td class="num">${balance}</td><td class="num">${l1 === null ? '—' : `${l1.lastPostedHeight} (backlog ${l1.backlog})`}</td><td>${l1?.lastError ? escapeHtml(l1.lastError.code) : ''}</td></tr>`;
  });
  $('validators-body').innerHTML = rows.join('');
}

function renderChain(): void {
  const now = Date.now();
  const seconds = (x: number) => `${Math.round((x - now) / 1000)} s`;
  const heightSeries = state.nodes.map((view, i) => ({
    name: view.node.name,
    color: COLORS[i % COLORS.length]!,
    points: view.heights.points.map((point) => ({ x: point.atMs, y: point.height })),
  }));
  $('chart-heights').innerHTML =
    chartSvg(heightSeries, { xLabel: seconds, yLabel: (y) => String(y), integer: true }) +
    legendHtml(heightSeries);
  const latencySeries = [
    { name: 'p50', color: COLORS[0]!, points: state.latency.points.map((p) => ({ x: p.atMs, y: p.p50 })) },
    { name: 'p99', color: COLORS[1]!, points: state.latency.points.map((p) => ({ x: p.atMs, y: p.p99 })) },
  ];
  $('chart-latency').innerHTML =
    chartSvg(latencySeries, {
      xLabel: seconds,
      yLabel: (y) => formatMs(y),
      fromZero: true,
      empty: 'no transactions finalized yet',
    }) + legendHtml(latencySeries);
  const sizes = [
    {
      name: 'transactions per block',
      color: COLORS[2]!,
      bars: true,
      points: state.blocks.slice(-60).map((block) => ({ x: block.height, y: block.txCount })),
    },
  ];
  $('chart-sizes').innerHTML =
    chartSvg(sizes, {
      xLabel: (x) => `#${Math.round(x)}`,
      yLabel: (y) => String(y),
      integer: true,
      fromZero: true,
    }) + legendHtml(sizes);
  const latest = state.latency.points.at(-1);
  $('latency-now').textContent =
    latest === undefined
      ? ''
      : `last ${LATENCY_WINDOW_MS / 1000} s: p50 ${formatMs(latest.p50)} · p99 ${formatMs(latest.p99)}`;
  $('blocks-body').innerHTML = state.blocks
    .slice(-12)
    .reverse()
    .map(
      (block) =>
        `<tr data-height="${block.height}" class="${block.height === selectedHeight() ? 'selected' : ''}"><td class="num"><a href="#height=${block.height}">${block.height}</a></td><td class="num">${block.txCount}</td><td class="num">v${block.proposerIndex}</td><td>${escapeHtml(shortHex(block.hash))}</td><td>${ago(block.atMs)}</td></tr>`,
    )
    .join('');
}

function selectedHeight(): number | undefined {
  if (state.selected !== undefined) return state.selected;
  for (let i = state.blocks.length - 1; i >= 0; i--) {
    const block = state.blocks[i]!;
    if (block.txCount > 0 && state.orderings.has(block.height)) return block.height;
  }
  return state.blocks.at(-1)?.height;
}

let renderedFairness = '';

function ordinal(n: number): string {
  const suffix =
    n % 10 === 1 && n % 100 !== 11
      ? 'st'
      : n % 10 === 2 && n % 100 !== 12
        ? 'nd'
        : n % 10 === 3 && n % 100 !== 13
          ? 'rd'
          : 'th';
  return `${n}${suffix}`;
}

function renderFairness(): void {
  const height = selectedHeight();
  const ordering = height === undefined ? undefined : state.orderings.get(height);
  const key = `${height}:${ordering?.blockHash ?? 'none'}:${state.orderingError ?? ''}`;
  if (key === renderedFairness) return;
  renderedFairness = key;
  $('fairness-mode').textContent =
    state.selected === undefined ? 'following the latest block with transactions' : `block ${state.selected}`;
  if (ordering === undefined) {
    $('fairness').innerHTML = `<p class="muted">${escapeHtml(
      state.orderingError ?? (height === undefined ? 'no block yet' : `loading block ${height}…`),
    )}</p>`;
    if (height !== undefined && state.selected !== undefined) void loadSelected(height);
    return;
  }
  const table = fairnessTable(ordering);
  const f = ordering.faultTolerance;
  const head = table.validators
    .map(
      (index) =>
        `<th class="num" title="validator ${index}'s first-seen time − the fair timestamp">v${index}</th>`,
    )
    .join('');
  const body = table.rows
    .map((row) => {
      const cells = row.cells
        .map(
          (cell) =>
            `<td class="num${cell.decisive ? ' decisive' : ''}${cell.offsetMs === undefined ? ' missing' : ''}">${formatOffset(cell.offsetMs)}</td>`,
        )
        .join('');
      const fair =
        row.source === 'revealed' ? 'revealed' : new Date(row.fairTimestampMs).toISOString().slice(11, 23);
      const held =
        row.heldBackMs > 0
          ? ` <span class="muted">(+${formatMs(row.heldBackMs)} behind its nonce)</span>`
          : '';
      return `<tr data-txid="${row.txId}"><td class="num">${row.position}</td><td title="${row.txId}">${escapeHtml(shortHex(row.txId))}</td><td title="${row.sender}">${escapeHtml(shortHex(row.sender))}</td><td class="num">${escapeHtml(row.nonce)}</td><td class="num">${fair}${held}</td>${cells}<td class="num">${row.reports}</td></tr>`;
    })
    .join('');
  // Per validator: how many of the block's transactions it did not report, and its median offset.
  const missing = table.validators
    .map((_, column) => {
      const absent = table.rows.filter(
        (row) => row.source === 'fair' && row.cells[column]!.offsetMs === undefined,
      ).length;
      return `<td class="num${absent > 0 ? ' missing' : ''}">${absent}</td>`;
    })
    .join('');
  const median = table.validators
    .map((_, column) => {
      const offsets = table.rows.flatMap((row) => {
        const offset = row.cells[column]!.offsetMs;
        return offset === undefined ? [] : [offset];
      });
      return `<td class="num">${formatOffset(percentile(offsets, 50))}</td>`;
    })
    .join('');
  const unordered =
    ordering.unorderedTotal === 0
      ? ''
      : `<p class="muted">${ordering.unorderedTotal} reported transaction(s) not in this block (fewer than f+1 = ${f + 1} reports, or not yet valid): they wait for a later block.</p>`;
  $('fairness').innerHTML = `
    <p>Block <b id="fairness-height">${ordering.height}</b> · ${ordering.transactions.length} transactions · proposer v${ordering.proposerIndex} · derived from the vote extensions of ${table.validators.map((index) => `v${index}`).join(', ')} (${2 * f + 1} suffice).</p>
    <p class="muted">Each cell is when that validator first saw the transaction, relative to its fair timestamp. The fair timestamp is the ${ordinal(f + 1)} earliest report (highlighted), so ${f} validator(s) reporting early or late, or not at all, cannot move it; the block is in fair-timestamp order, a sender's later nonce never going ahead of its earlier one. Revealed transactions (decrypted from an envelope of block height − 2) lead the block.</p>
    <div class="scroll"><table class="fairness"><thead><tr><th>#</th><th>txId</th><th>sender</th><th>nonce</th><th>fair timestamp (UTC)</th>${head}<th>reports</th></tr></thead>
    <tbody>${body}</tbody>
    <tfoot><tr><td colspan="5">block transactions a validator did not report</td>${missing}<td></td></tr><tr><td colspan="5">median first-seen − fair timestamp</td>${median}<td></td></tr></tfoot></table></div>
    ${unordered}`;
}

async function loadSelected(height: number): Promise<void> {
  const view = state.nodes[state.followed] ?? state.nodes.find((candidate) => candidate.status !== undefined);
  if (view === undefined) return;
  const ordering = await fetchOrdering(view, height);
  if (ordering === undefined) {
    state.orderingError ??= `block ${height} is not finalized (yet)`;
  } else {
    addOrdering(ordering, undefined);
  }
  renderedFairness = '';
  render();
}

function renderPrices(): void {
  const height = selectedHeight();
  const ordering =
    (height === undefined ? undefined : state.orderings.get(height)) ?? [...state.orderings.values()].at(-1);
  const statusFeeds = state.nodes.find((view) => view.status !== undefined)?.status?.oracle ?? [];
  const panels = [...state.feeds.entries()].map(([feedId, meta], i) => {
    const series = state.prices.get(feedId)?.points ?? [];
    const lines = [
      {
        name: `${meta.pair} finalized`,
        color: COLORS[i % COLORS.length]!,
        points: series.flatMap((p) => (p.answer === undefined ? [] : [{ x: p.atMs, y: p.answer }])),
      },
      {
        name: 'highest observation',
        color: '#f59e0b',
        dashed: true,
        points: series.flatMap((p) => (p.max === undefined ? [] : [{ x: p.atMs, y: p.max }])),
      },
      {
        name: 'lowest observation',
        color: '#64748b',
        dashed: true,
        points: series.flatMap((p) => (p.min === undefined ? [] : [{ x: p.atMs, y: p.min }])),
      },
    ];
    const now = Date.now();
    const chart = chartSvg(lines, {
      height: 150,
      xLabel: (x) => `${Math.round((x - now) / 1000)} s`,
      yLabel: (y) => formatNumber(y, 2),
    });
    const feed = statusFeeds.find((candidate) => candidate.feedId === feedId);
    const breaker =
      feed?.breaker == null
        ? '<span class="pill good">breaker closed</span>'
        : `<span class="pill bad">breaker holding a move ${escapeHtml(feed.breaker.direction)} for ${feed.breaker.consecutiveHeights} heights</span>`;
    const stale = feed?.stale === true ? '<span class="pill bad">stale</span>' : '';
    const price = ordering?.prices.find((candidate) => candidate.feedId === feedId);
    const observations =
      price === undefined
        ? '<p class="muted">no observations in this block</p>'
        : observationsHtml(price, meta, ordering!.height);
    const onL1 = state.l1.prices.get(feedId);
    const l1Line =
      onL1 === undefined
        ? ''
        : `<p>on L1: <b>${formatNumber(scaled(onL1.answer.toString(), onL1.decimals), 4)}</b>, updated ${ago(Number(onL1.updatedAt) * 1000)}</p>`;
    return `<div class="feed" data-feed="${feedId}"><h3>${escapeHtml(meta.pair)} ${breaker} ${stale}</h3>${chart}${legendHtml(lines)}${l1Line}${observations}</div>`;
  });
  $('prices').innerHTML = panels.length === 0 ? '<p class="muted">no feeds</p>' : panels.join('');
}

const PLACE_LABELS = {
  inside: 'in the trimmed range',
  trimmed: 'an extreme: the median ignores it',
  outlier: `more than ${OUTLIER_BPS / 100}% off: cannot move the median`,
  unknown: 'no quorum',
} as const;

function observationsHtml(price: BlockOrdering['prices'][number], meta: FeedMeta, height: number): string {
  const show = (value: string | null) =>
    value === null ? '—' : formatNumber(scaled(value, meta.decimals), 4);
  const rows = price.observations
    .map((observation) => {
      const place = observationPlace(observation.price, price);
      const deviation = deviationBps(observation.price, price.median);
      return `<tr class="${place === 'outlier' ? 'outlier' : ''}" data-validator="${observation.validatorIndex}" data-place="${place}"><td>v${observation.validatorIndex}</td><td class="num">${show(observation.price)}</td><td class="num">${deviation === undefined ? '—' : `${deviation > 0 ? '+' : ''}${deviation.toFixed(1)} bps`}</td><td>${PLACE_LABELS[place]}</td></tr>`;
    })
    .join('');
  return `<table class="observations"><thead><tr><th>validator</th><th class="num">observation</th><th class="num">vs median</th><th></th></tr></thead><tbody>${rows}</tbody></table>
    <p class="muted">block ${height}: median ${show(price.median)} · trimmed range ${show(price.low)} … ${show(price.high)} (the f+1-th lowest and highest: inside the honest observations whatever f validators report) · finalized ${price.answer === null ? '— (held by the breaker)' : show(price.answer)}</p>`;
}

function renderL1(): void {
  const config = state.config!;
  if (config.l1 === undefined) {
    $('l1').innerHTML = '<p class="muted">no L1 configured for this dashboard</p>';
    return;
  }
  const l1 = state.l1;
  const top = finalizedHeight();
  const postingLag =
    top !== undefined && l1.inboxHeight !== undefined ? top - Number(l1.inboxHeight) : undefined;
  const settlements = config.l1.settlements
    .map((settlement, i) => {
      const view = l1.settlements[i];
      if (view === undefined) return '';
      if (view.error !== undefined) {
        return `<tr><td>${escapeHtml(settlement.name)}</td><td colspan="2">${escapeHtml(view.error)}</td></tr>`;
      }
      const lag =
        view.nextBatchHeight === null || view.nextBatchHeight === undefined || top === undefined
          ? 'up to date'
          : `${top - view.nextBatchHeight} heights (batch at ${view.nextBatchHeight} not settled)`;
      return `<tr data-settlement="${settlement.address}"><td>${escapeHtml(settlement.name)} <span class="muted">${escapeHtml(shortHex(settlement.address))}</span></td><td class="num">${view.lastSettledHeight ?? '—'}</td><td>${escapeHtml(lag)}</td></tr>`;
    })
    .join('');
  $('l1').innerHTML = `
    ${l1.error === undefined ? '' : `<p class="error">L1 ${escapeHtml(config.l1.rpcUrl)}: ${escapeHtml(l1.error)}</p>`}
    <table><tbody>
      <tr><td>L1 block</td><td class="num" id="l1-block">${l1.blockNumber ?? '—'}</td><td>chain ${config.l1.chainId}</td></tr>
      <tr><td>latest Synod header on L1 <span class="muted">SettlementInbox ${escapeHtml(shortHex(config.l1.inbox))}</span></td><td class="num" id="l1-height">${l1.inboxHeight ?? '—'}</td><td>posting lag ${postingLag === undefined ? '—' : `${postingLag} heights`}</td></tr>
    </tbody></table>
    ${settlements === '' ? '' : `<h3>Settlement</h3><table><thead><tr><th>contract</th><th class="num">last settled height</th><th>settlement lag</th></tr></thead><tbody>${settlements}</tbody></table>`}`;
}

/** At most this often: blocks can come 15 times a second, and a full render is not free for the machine running the nodes. */
const RENDER_INTERVAL_MS = 400;
let renderQueued = false;
let lastRenderMs = 0;

function render(): void {
  if (renderQueued || state.config === undefined) return;
  renderQueued = true;
  const wait = Math.max(0, lastRenderMs + RENDER_INTERVAL_MS - Date.now());
  setTimeout(() => requestAnimationFrame(draw), wait);
}

function draw(): void {
  renderQueued = false;
  lastRenderMs = Date.now();
  renderHeader();
  renderValidators();
  renderChain();
  renderFairness();
  renderPrices();
  renderL1();
}

function readHash(): void {
  const match = /height=(\d+)/.exec(location.hash);
  state.selected = match === null ? undefined : Number(match[1]);
  ($('block-height') as HTMLInputElement).value = state.selected === undefined ? '' : String(state.selected);
  state.orderingError = undefined;
  renderedFairness = '';
  render();
}

async function main(): Promise<void> {
  const config = (await (await fetch('config.json')).json()) as DashboardConfig;
  state.config = config;
  state.nodes = config.nodes.map((node) => ({
    node,
    heights: new TimeWindow(CHART_SPAN_MS),
    retryAtMs: 0,
    failures: 0,
  }));
  const form = $('block-form') as HTMLFormElement;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = ($('block-height') as HTMLInputElement).value.trim();
    location.hash = value === '' ? '' : `height=${value}`;
  });
  $('follow-latest').addEventListener('click', () => {
    location.hash = '';
  });
  window.addEventListener('hashchange', readHash);
  readHash();
  const tick = async () => {
    await Promise.all([pollNodes(), pollL1()]);
    render();
  };
  await tick();
  setInterval(() => void tick(), config.pollIntervalMs);
  // Relative times ("3 s ago") move even when nothing new arrives.
  setInterval(render, 1_000);
}

main().catch((error: unknown) => {
  document.body.insertAdjacentHTML('afterbegin', `<p class="error">${escapeHtml(String(error))}</p>`);
  console.error(error);
});
