import { types } from 'node:util';

/**
 * A message's event time as a checkpoint marker: a valid `Date` stays a
 * Date, epoch ms stay a number, an ISO 8601 string (or a numeric string)
 * is converted. Anything else is a TypeError that names the value.
 */
export function toMarker(value: unknown, where = 'marker'): Date | number {
  // A Date made in another realm (a function node's sandbox) fails `instanceof Date`.
  if (types.isDate(value) && !Number.isNaN(value.getTime())) return new Date(value.getTime());
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '') {
    if (/^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new TypeError(`${where} must be a Date, epoch milliseconds or an ISO 8601 string, got: ${show(value)}`);
}

function show(value: unknown): string {
  if (types.isDate(value)) return 'an invalid Date';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
