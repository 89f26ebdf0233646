import type { Client } from '../clients/createClient.ts';
import type { WebSocketTransportValue } from '../transports/webSocket.ts';

/** The transport's subscribe when it has one (webSocket); undefined over HTTP (actions poll). */
export function subscribeOf(client: Client): WebSocketTransportValue['subscribe'] | undefined {
  const value = client.transport.value as Partial<WebSocketTransportValue> | undefined;
  return typeof value?.subscribe === 'function' ? value.subscribe : undefined;
}
