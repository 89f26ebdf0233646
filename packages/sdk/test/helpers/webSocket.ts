/**
 * A WebSocket constructor for the transport's `WebSocket` option that counts the subscriptions the
 * node confirmed (answers to synod_subscribe), so a test produces blocks only once the
 * subscription is live instead of sleeping and hoping (a loaded machine takes longer).
 */
export function countingWebSocket(): { WebSocket: typeof WebSocket; subscribed(): number } {
  let subscribed = 0;
  class CountingWebSocket extends WebSocket {
    readonly #subscribeIds = new Set<unknown>();
    constructor(url: string | URL, protocols?: ConstructorParameters<typeof WebSocket>[1]) {
      super(url, protocols);
      this.addEventListener('message', (event) => {
        const message = JSON.parse(String(event.data)) as { id?: unknown; result?: unknown };
        if (this.#subscribeIds.delete(message.id) && typeof message.result === 'string') subscribed++;
      });
    }
    override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
      const request =
        typeof data === 'string' ? (JSON.parse(data) as { id?: unknown; method?: unknown }) : {};
      if (request.method === 'synod_subscribe') this.#subscribeIds.add(request.id);
      super.send(data);
    }
  }
  return { WebSocket: CountingWebSocket, subscribed: () => subscribed };
}
