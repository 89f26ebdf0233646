/**
 * CORS for the HTTP JSON-RPC, so browser apps on another origin can call a node directly. Off by
 * default (no origins: no CORS headers, browsers keep cross-origin pages out). An operator lists
 * the origins of the apps it serves (`rpc.corsOrigins`), or `*` for any page.
 *
 * Only what a JSON-RPC POST needs is allowed: method POST and header Content-Type (which must be
 * application/json: that makes every call a non-simple request, so a browser always preflights
 * it, and a page of an origin not listed never gets its request sent). No credentials: the RPC
 * has no cookies or auth. Retry-After is exposed so a browser client can honour a 429.
 * WebSocket upgrades are not CORS requests and are not affected.
 */

/** How long a browser may cache a preflight answer: 10 min (Chromium caps it at 2 h). */
export const CORS_MAX_AGE_SECONDS = 600;

/** Validates one configured origin: `*`, or a serialized origin such as `https://app.example.com:8443`. */
export function checkCorsOrigin(text: string): string | undefined {
  if (text === '*') return undefined;
  const reason =
    'must be * or an origin like https://app.example.com (scheme, host and port only, lowercase)';
  try {
    const url = new URL(text);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return reason;
    return url.origin === text ? undefined : reason;
  } catch {
    return reason;
  }
}

export class CorsPolicy {
  readonly #any: boolean;
  readonly #origins: ReadonlySet<string>;

  constructor(origins: readonly string[]) {
    for (const origin of origins) {
      const reason = checkCorsOrigin(origin);
      if (reason !== undefined) throw new Error(`invalid CORS origin ${JSON.stringify(origin)}: ${reason}`);
    }
    this.#any = origins.includes('*');
    this.#origins = new Set(origins);
  }

  get enabled(): boolean {
    return this.#any || this.#origins.size > 0;
  }

  /**
   * The headers every response to a request from `origin` carries: none for an origin not
   * allowed (the browser then hides the response from the page).
   */
  responseHeaders(origin: string | undefined): Record<string, string> {
    if (!this.enabled) return {};
    // The answer depends on Origin unless any origin is allowed: caches must key on it.
    const vary: Record<string, string> = this.#any ? {} : { Vary: 'Origin' };
    if (origin === undefined || !(this.#any || this.#origins.has(origin))) return vary;
    return {
      ...vary,
      'Access-Control-Allow-Origin': this.#any ? '*' : origin,
      'Access-Control-Expose-Headers': 'Retry-After',
    };
  }

  /** The preflight answer's headers, or undefined when `origin` is not allowed. */
  preflightHeaders(origin: string | undefined): Record<string, string> | undefined {
    const headers = this.responseHeaders(origin);
    if (headers['Access-Control-Allow-Origin'] === undefined) return undefined;
    return {
      ...headers,
      'Access-Control-Allow-Methods': 'POST',
      'Access-Control-Allow-Headers': 'content-type',
      'Access-Control-Max-Age': String(CORS_MAX_AGE_SECONDS),
    };
  }
}
