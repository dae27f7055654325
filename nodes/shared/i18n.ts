import fs from 'node:fs';

/** Node-RED's `RED._`: a message catalog key (and `__name__` substitutions) to text. */
export type Translate = (key: string, substitutions?: Record<string, unknown>) => string;

/**
 * Runtime texts of a node file (statuses, errors, warnings) from its message
 * catalog through Node-RED's `RED._`, which gives them in the user's language.
 * Where the runtime has no catalog for the node set — the `RED._` of
 * node-red-node-test-helper returns the key — the English catalog beside the
 * node file is read, so statuses and errors read the same in flow tests.
 */
export function catalogTranslator(translate: Translate, englishCatalog: string): Translate {
  let english: Record<string, unknown> | undefined;
  // Texts without substitutions, once each: some are shown per message (topic-out's
  // "connected" after each delivery), and i18next took 8 % of a busy flow's time.
  const fixed = new Map<string, string>();
  const lookup: Translate = (key, substitutions) => {
    const text = translate(key, substitutions);
    if (text !== key && !text.endsWith(`:${key}`)) return text;
    english ??= JSON.parse(fs.readFileSync(englishCatalog, 'utf8')) as Record<string, unknown>;
    const found = key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], english);
    if (typeof found !== 'string') return key;
    return found.replace(/__([\w.]+)__/g, (whole, name: string) => (substitutions && name in substitutions ? String(substitutions[name]) : whole));
  };
  return (key, substitutions) => {
    if (substitutions) return lookup(key, substitutions);
    let text = fixed.get(key);
    if (text === undefined) fixed.set(key, (text = lookup(key)));
    return text;
  };
}
