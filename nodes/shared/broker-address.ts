/**
 * Why a broker config node's address cannot be used, or undefined when it
 * can: empty (an unset `${KAFKA_BROKERS}` is substituted as empty), an
 * environment reference Node-RED left unresolved, or an entry that is not
 * `host:port` with a port in 1–65535. Checked before any client is made, so
 * the nodes say what to do instead of kafkajs's "Port should be >= 0".
 */
export function brokerAddressProblem(brokers: string | undefined): string | undefined {
  const entries = (brokers ?? '').split(',').map((b) => b.trim()).filter((b) => b.length > 0);
  if (entries.length === 0) return 'no broker address: set KAFKA_BROKERS or enter host:port';
  for (const entry of entries) {
    const unresolved = /\$\{([^}]*)\}/.exec(entry);
    if (unresolved) return `no broker address: ${unresolved[1]} is not set (enter host:port or set it)`;
    const match = /^(.+):(\d+)$/.exec(entry);
    const port = match ? Number(match[2]) : NaN;
    if (!match || port < 1 || port > 65_535) return `broker address "${entry}" is not host:port`;
  }
  return undefined;
}
