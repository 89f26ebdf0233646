import { expectObject, joinUrl, parseRfc3339, type SourceAdapter } from './adapter.ts';

/**
 * Coinbase Exchange, `GET /products/{product_id}/ticker` (public, no key):
 * `{ "trade_id": 86326522, "price": "3000.12", "size": "0.01", "time": "2017-09-02T17:05:49.250000Z",
 *    "bid": "3000.11", "ask": "3000.13", "volume": "12345.6", ... }`, prices as decimal strings,
 * `time` the last trade's RFC 3339 time.
 * https://docs.cdp.coinbase.com/api-reference/exchange-api/rest-api/products/get-product-ticker
 * (Ticker schema: trade_id, price, size, bid, ask, volume, time).
 *
 * We take `price` (the last trade) and `time` (its time): the answer carries its own timestamp,
 * so a frozen venue shows up as STALE. The answer does not repeat the product id, so a wrong
 * market cannot be detected from the body; Coinbase answers 404 for an unknown one.
 */
export const coinbaseAdapter: SourceAdapter = {
  kind: 'coinbase',
  requestUrl: (source) => joinUrl(source.baseUrl, `/products/${encodeURIComponent(source.symbol)}/ticker`),
  parse(body) {
    const ticker = expectObject(body, 'Coinbase ticker');
    return { price: ticker.price, venueTimeMs: parseRfc3339(ticker.time, 'Coinbase ticker time') };
  },
};
