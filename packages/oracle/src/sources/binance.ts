import { expectObject, joinUrl, type SourceAdapter } from './adapter.ts';
import { SourceError } from './errors.ts';

/**
 * Binance Spot, `GET /api/v3/ticker/price?symbol=BTCUSDT` (public, no key):
 * `{ "symbol": "BTCUSDT", "price": "4.00000200" }`, the latest price as a decimal string.
 * Errors come as a non-2xx status with `{ "code": -1121, "msg": "Invalid symbol." }`.
 * https://developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints
 * ("Symbol price ticker"; its OpenAPI model TickerPriceResponse1 has exactly symbol and price).
 *
 * We check `symbol` is the one we asked for and take `price`. No timestamp in this format:
 * freshness is the time the answer arrived.
 */
export const binanceAdapter: SourceAdapter = {
  kind: 'binance',
  requestUrl: (source) =>
    joinUrl(source.baseUrl, `/api/v3/ticker/price?symbol=${encodeURIComponent(source.symbol)}`),
  parse(body, source) {
    const ticker = expectObject(body, 'Binance ticker');
    if (ticker.symbol !== source.symbol) {
      throw new SourceError(
        'MALFORMED',
        `Binance ticker is for ${JSON.stringify(String(ticker.symbol).slice(0, 32))}, asked for ${source.symbol}`,
      );
    }
    return { price: ticker.price };
  },
};
