/**
 * topic-in's Topic field: one name, several separated by commas, or a
 * pattern between slashes (`/^orders[.]/`), matched against the topics that
 * exist when the consumer starts.
 */
export function topicsOfField(field: string): string | string[] | RegExp {
  const text = field.trim();
  if (text.length > 1 && text.startsWith('/') && text.endsWith('/')) {
    try {
      return new RegExp(text.slice(1, -1));
    } catch (err) {
      throw new SyntaxError(`the topic pattern ${text} is not a valid regular expression: ${(err as Error).message}`);
    }
  }
  const names = text.split(',').map((name) => name.trim()).filter((name) => name.length > 0);
  return names.length === 1 ? names[0] : names;
}
