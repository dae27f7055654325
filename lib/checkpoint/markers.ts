import { inspect } from 'node:util';

/**
 * A point in event time that the default checks compare: a `Date` or epoch
 * milliseconds (the two may be mixed). Custom checks may use any marker.
 */
export type Marker = Date | number;

/** Epoch ms of a marker; undefined when it is neither a valid Date nor a finite number. */
function toMillis(marker: unknown): number | undefined {
  if (marker instanceof Date) {
    const ms = marker.getTime();
    return Number.isNaN(ms) ? undefined : ms;
  }
  return typeof marker === 'number' && Number.isFinite(marker) ? marker : undefined;
}

/** A marker as it appears in messages: valid Dates as ISO strings. */
export function describeMarker(marker: unknown): string {
  return marker instanceof Date && !Number.isNaN(marker.getTime()) ? marker.toISOString() : inspect(marker);
}

/**
 * How far (ms) the dependent's marker is ahead of the dependency's:
 * `dependentMarker - dependencyMarker`. Throws a `TypeError` naming both
 * markers when they cannot be compared.
 */
export function markerGap(dependentMarker: unknown, dependencyMarker: unknown, dependencyName: string, check: string): number {
  const dependent = toMillis(dependentMarker);
  const dependency = toMillis(dependencyMarker);
  if (dependent === undefined || dependency === undefined) {
    throw new TypeError(
      `Cannot compare the dependent marker ${describeMarker(dependentMarker)} with the marker ` +
        `${describeMarker(dependencyMarker)} of dependency "${dependencyName}": markers must be Dates or ` +
        `epoch-ms numbers, or the dependency needs a custom ${check}`,
    );
  }
  return dependent - dependency;
}
