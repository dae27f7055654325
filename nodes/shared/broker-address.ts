/**
 * Why a broker address cannot be used: empty (an unset `${KAFKA_BROKERS}`
 * is substituted as empty), an environment reference Node-RED left
 * unresolved, or an entry that is not `host:port`. The reason names a text
 * of the node's message catalog (`slipstream-kafka.problem.<reason>`); the
 * other fields fill it in.
 */
export type AddressProblem = { reason: 'empty' } | { reason: 'unset'; variable: string } | { reason: 'malformed'; entry: string };

/**
 * The problem of a broker config node's address, or undefined when it can be
 * used: every entry `host:port` with a port in 1–65535. Checked before any
 * client is made, so the nodes say what to do instead of kafkajs's "Port should be >= 0".
 */
export function brokerAddressProblem(brokers: string | undefined): AddressProblem | undefined {
  const entries = (brokers ?? '').split(',').map((b) => b.trim()).filter((b) => b.length > 0);
  if (entries.length === 0) return { reason: 'empty' };
  for (const entry of entries) {
    const unresolved = /\$\{([^}]*)\}/.exec(entry);
    if (unresolved) return { reason: 'unset', variable: unresolved[1] };
    const match = /^(.+):(\d+)$/.exec(entry);
    const port = match ? Number(match[2]) : NaN;
    if (!match || port < 1 || port > 65_535) return { reason: 'malformed', entry };
  }
  return undefined;
}
