import { SourceError } from './errors.ts';
import type { Clock, FetchLike } from './types.ts';

export interface FetchJsonParameters {
  url: string;
  timeoutMs: number;
  maxBodyBytes: number;
  fetch: FetchLike;
  now: Clock;
  /** The caller's cancellation (observer stop). The timeout applies in any case. */
  signal?: AbortSignal;
}

export interface FetchJsonReturnType {
  body: unknown;
  /** Local time the whole body had arrived. */
  receivedAtMs: number;
}

/**
 * GET `url` and parse the body as JSON, within `timeoutMs` for the whole exchange (connect,
 * headers and body: a venue that trickles its body is as useless as a silent one) and reading at
 * most `maxBodyBytes` (the stream is cancelled past the cap, so a hostile venue cannot make us
 * buffer a gigabyte).
 *
 * @throws SourceError TIMEOUT, UNREACHABLE, HTTP_STATUS, TOO_LARGE, MALFORMED (not JSON)
 */
export async function fetchJson(parameters: FetchJsonParameters): Promise<FetchJsonReturnType> {
  const { url, timeoutMs, maxBodyBytes, now } = parameters;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = parameters.signal === undefined ? timeout : AbortSignal.any([parameters.signal, timeout]);
  const classify = (error: unknown): SourceError => {
    if (error instanceof SourceError) return error;
    if (timeout.aborted)
      return new SourceError('TIMEOUT', `no answer within ${timeoutMs} ms`, { cause: error });
    if (parameters.signal?.aborted)
      return new SourceError('UNREACHABLE', 'request aborted', { cause: error });
    return new SourceError('UNREACHABLE', describe(error), { cause: error });
  };

  let response: Response;
  try {
    response = await parameters.fetch(url, {
      method: 'GET',
      headers: { accept: 'application/json' },
      signal,
      redirect: 'error',
    });
  } catch (error) {
    throw classify(error);
  }
  try {
    if (!response.ok) {
      throw new SourceError('HTTP_STATUS', `HTTP ${response.status} ${response.statusText}`.trim());
    }
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (Number.isFinite(declared) && declared > maxBodyBytes) {
      throw new SourceError('TOO_LARGE', `body of ${declared} bytes, at most ${maxBodyBytes}`);
    }
    const text = await readCapped(response, maxBodyBytes);
    const receivedAtMs = now();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new SourceError('MALFORMED', `body is not JSON: ${JSON.stringify(text.slice(0, 40))}`, {
        cause: error,
      });
    }
    return { body, receivedAtMs };
  } catch (error) {
    // Release the connection whatever went wrong; a cancelled stream is not an error of its own.
    await response.body?.cancel().catch(() => {});
    throw classify(error);
  }
}

async function readCapped(response: Response, maxBodyBytes: number): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > maxBodyBytes) {
      await reader.cancel().catch(() => {});
      throw new SourceError('TOO_LARGE', `body exceeds ${maxBodyBytes} bytes`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  // fatal: a body that is not UTF-8 is not JSON either.
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw new SourceError('MALFORMED', 'body is not UTF-8', { cause: error });
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
