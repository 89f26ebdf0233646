import { expectObject, joinUrl, type SourceAdapter } from './adapter.ts';
import { SourceError } from './errors.ts';

/** Kraken errors are short strings (`EQuery:Unknown asset pair`); we log at most this many characters. */
const MAX_KRAKEN_ERROR_CHARS = 120;

/**
 * Kraken Spot, `GET /0/public/Ticker?pair=XBTUSD` (public, no key):
 * `{ "error": [], "result": { "XXBTZUSD": { "a": [ask, wholeLotVolume, lotVolume],
 *    "b": [bid, ...], "c": ["30303.20000", "0.00067643"], "v": [...], "p": [...], "t": [...],
 *    "l": [...], "h": [...], "o": "30502.80000" } } }`, where `c` is the last trade closed
 * `[price, lot volume]`. Kraken answers errors with HTTP 200 and a non-empty `error` list.
 * https://docs.kraken.com/api/docs/rest-api/get-ticker-information
 *
 * We take `c[0]`. The ticker has no timestamp: freshness is the time the answer arrived, so a
 * venue that keeps answering an old price is not detectable here (the median of the other
 * sources absorbs it). The result key may differ from the requested pair (`XBTUSD` is filed
 * under `XXBTZUSD`): configure it as `resultKey`.
 */
export const krakenAdapter: SourceAdapter = {
  kind: 'kraken',
  requestUrl: (source) =>
    joinUrl(source.baseUrl, `/0/public/Ticker?pair=${encodeURIComponent(source.symbol)}`),
  parse(body, source) {
    const answer = expectObject(body, 'Kraken answer');
    const { error, result } = answer;
    if (!Array.isArray(error)) throw new SourceError('MALFORMED', 'Kraken answer has no error list');
    if (error.length > 0) {
      const text = error.map(String).join('; ').slice(0, MAX_KRAKEN_ERROR_CHARS);
      throw new SourceError('MALFORMED', `Kraken error: ${text}`);
    }
    const pairs = expectObject(result, 'Kraken result');
    const key = source.resultKey ?? source.symbol;
    if (!Object.hasOwn(pairs, key)) {
      const found = Object.keys(pairs).slice(0, 3).join(', ');
      throw new SourceError('MALFORMED', `Kraken result has no pair ${key} (found: ${found || 'none'})`);
    }
    const ticker = expectObject(pairs[key], `Kraken ticker ${key}`);
    const lastTrade = ticker.c;
    if (!Array.isArray(lastTrade) || lastTrade.length < 1) {
      throw new SourceError('MALFORMED', `Kraken ticker ${key} has no last trade (c)`);
    }
    return { price: lastTrade[0] };
  },
};
