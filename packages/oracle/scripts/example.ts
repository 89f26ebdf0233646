// Four validators (f = 1) observe ETH/USD for four heights; one of them is a price manipulator,
// and at height 3 the honest market itself jumps 20%. Run: pnpm exec node packages/oracle/scripts/example.ts
import { aggregatePrices, createFeedConfig, type FeedState } from '@synod/oracle';

const ethUsd = createFeedConfig({
  // bytes32("ETH/USD") for readability; a network may as well use keccak256("ETH/USD").
  feedId: '0x4554482f55534400000000000000000000000000000000000000000000000000',
  decimals: 8,
  deviationBoundBps: 500, // moves above 5% must persist...
  confirmationHeights: 2, // ...for 2 heights
});

// Honest observations at 3,000.00 USD, then 3,600.00 from height 3; validator 4 always reports 10^6.
const observed = [
  [300_000_000_000n, 300_100_000_000n, 299_900_000_000n, 100_000_000_000_000n],
  [300_200_000_000n, 300_000_000_000n, 300_100_000_000n, 100_000_000_000_000n],
  [360_000_000_000n, 360_100_000_000n, 359_900_000_000n, 100_000_000_000_000n],
  [360_200_000_000n, 360_000_000_000n, 360_100_000_000n, 100_000_000_000_000n],
];

let state: ReadonlyMap<`0x${string}`, FeedState> = new Map();
for (const [i, prices] of observed.entries()) {
  const result = aggregatePrices({
    feeds: [ethUsd],
    state,
    observationsByValidator: prices.map((price) => [{ feedId: ethUsd.feedId, price }]),
    f: 1,
    height: i + 1,
    timestampMs: 1_700_000_000_000 + i * 1_000,
  });
  state = result.state;
  const finalized = result.prices.map((p) => p.answer).join(', ') || '(none: the last price stands)';
  console.log(`height ${i + 1}: ${finalized}  [${result.events.map((e) => e.kind).join(', ')}]`);
}
// height 1: 300000000000  [finalized]
// height 2: 300100000000  [finalized]
// height 3: (none: the last price stands)  [breaker-tripped]
// height 4: 360100000000  [finalized]
