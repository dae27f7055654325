import type { KafkaConfig, ProducerConfig } from 'kafkajs';
import type { PackedMessages } from './packed-messages';

/** What the produce thread is started with: everything must survive structured cloning. */
export interface ProduceThreadConfig {
  kafka: KafkaConfig;
  producer: ProducerConfig;
}

export type ToProduceThread =
  | { type: 'send'; id: number; topic: string; acks: number; compression: number; messages: PackedMessages }
  | { type: 'close' };

export type FromProduceThread =
  | { type: 'sent'; id: number; error?: ErrorLink[] }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'closed' };

/** One error of a `cause` chain, outermost first, with the fields `isTransient` and `retryReason` read. */
export interface ErrorLink {
  name: string;
  message: string;
  retriable?: boolean;
  code?: string;
  type?: string;
}

export function toErrorChain(error: unknown): ErrorLink[] {
  const chain: ErrorLink[] = [];
  for (let e: unknown = error; e !== undefined && chain.length < 10; e = (e as { cause?: unknown }).cause) {
    const { name, message, retriable, code, type } = (e instanceof Error ? e : new Error(String(e))) as Error & Partial<ErrorLink>;
    chain.push({
      name,
      message,
      retriable: typeof retriable === 'boolean' ? retriable : undefined,
      code: typeof code === 'string' ? code : undefined,
      type: typeof type === 'string' ? type : undefined,
    });
    if (!(e instanceof Error)) break;
  }
  return chain;
}

/** The chain as errors again: same names, messages, `retriable`, `code` and `type`, linked by `cause`. */
export function fromErrorChain(chain: ErrorLink[]): Error {
  let cause: Error | undefined;
  for (const link of [...chain].reverse()) {
    const error = Object.assign(new Error(link.message, cause && { cause }), link);
    cause = error;
  }
  return cause ?? new Error('unknown error in the produce thread');
}
