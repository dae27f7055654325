/**
 * What a failed produce request means for its records: retried until the
 * delivery timeout runs out (the broker may come back), or failed at once.
 */

/** Kafka's default `delivery.timeout.ms`: long enough for a broker restart. */
export const DEFAULT_DELIVERY_TIMEOUT_MS = 120_000;

/** A record was not acknowledged within the delivery timeout; `cause` is the last failure. */
export class DeliveryTimeoutError extends Error {
  constructor(
    readonly deliveryTimeout: number,
    readonly attempts: number,
    cause: Error,
  ) {
    super(`not acknowledged within the delivery timeout (deliveryTimeout ${deliveryTimeout} ms, ${attempts} attempt${attempts === 1 ? '' : 's'}); last error: ${cause.message}`, { cause });
    this.name = 'DeliveryTimeoutError';
  }
}

/** The innermost cause: kafkajs wraps the failure of its last retry (as its consumer does to decide on a restart). */
function rootCause(error: Error): Error {
  let current = error;
  for (let depth = 0; depth < 10 && current.cause instanceof Error && current.cause !== current; depth++) current = current.cause;
  return current;
}

/** Node's TLS codes for an untrusted or mismatched certificate and for TLS spoken to a plain port: configuration, not an outage. */
const TLS_FAILURE = /CERT|^ERR_SSL|^ERR_TLS/;

/**
 * Whether a failed request may succeed later: kafkajs marks what it would
 * retry itself (connection refused or closed, timeouts, leader elections,
 * missing metadata) as retriable. A rejected record, an authorization or
 * authentication failure, an invalid topic or a certificate problem is not.
 */
export function isTransient(error: Error): boolean {
  const root = rootCause(error) as Error & { retriable?: boolean; code?: unknown };
  if (typeof root.code === 'string' && TLS_FAILURE.test(root.code)) return false;
  return root.retriable === true;
}

/** A short reason for a status display: "broker unreachable" for connection failures, else the cause. */
export function retryReason(error: Error): string {
  const root = rootCause(error);
  return /^KafkaJS(Connection|ConnectionClosed|RequestTimeout|NoBrokerAvailable)Error$/.test(root.name) ? 'broker unreachable' : root.message;
}
