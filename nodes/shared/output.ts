/**
 * The message a handler's output becomes, as in DESIGN §5: `[key, value]`
 * sets `msg.key` and `msg.payload`, any other value sets `msg.payload`; the
 * other properties of the input message are kept (cloned with `clone`, so
 * that several outputs of one input do not share objects). `undefined` and
 * `null` become no message.
 */
export function outputMessage<M extends object>(
  input: M,
  value: unknown,
  clone: (msg: object) => object,
): (M & { payload: unknown; key?: unknown }) | undefined {
  if (value === undefined || value === null) return undefined;
  const isPair = Array.isArray(value) && value.length === 2;
  const rest = { ...input } as Record<string, unknown>;
  delete rest.payload;
  if (isPair) delete rest.key;
  const out = clone(rest) as M & { payload: unknown; key?: unknown };
  if (isPair) {
    out.key = value[0];
    out.payload = value[1];
  } else {
    out.payload = value;
  }
  return out;
}
