// The seed's "Synchronization" cookbook: every activity is joined with the
// weather at its time. The weather station goes silent for a while; once the
// weather is more than an hour behind the activities, a Checkpoint pauses the
// activity topic. When the weather is back and has caught up, the recovery
// callback seeks the activity topic back to the activity that was joined with
// stale weather, so it is processed again with the right weather.
//
//   KAFKA_BROKERS=127.0.0.1:19092 node dist/examples-lib/synchronization.js
//
// prints:
//   swimming 🌞
//   walking home ⛅
//   shopping ⛅ (weather 75 min behind)
//   shopping 🌦️
//   lunch 🌧
import { handle, type ICache, JsonCodec, MemoryCache, stream } from '../lib';
import { Checkpoint, Dependency } from '../lib/checkpoint';
import { type Offset, Topic, type TopicRecord } from '../lib/topic';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

interface Weather {
  time: Date;
  emoji: string;
}

/** An activity as published to Kafka (JSON: the time is an ISO string). */
interface Activity {
  time: string;
  activity: string;
}

const at = (hhmm: string): Date => new Date(`2025-01-01T${hhmm}:00Z`);

const DAY: Activity[] = [
  { time: at('10:00').toISOString(), activity: 'swimming' },
  { time: at('11:00').toISOString(), activity: 'walking home' },
  { time: at('12:15').toISOString(), activity: 'shopping' },
  { time: at('13:00').toISOString(), activity: 'lunch' },
];
const LAST_ACTIVITY = 'lunch';

export interface SynchronizationOptions {
  /** Default: KAFKA_BROKERS (comma separated), else 127.0.0.1:19092. */
  brokers?: string[];
  /** Name of the activity topic; default: a new `activity-…` topic per run. */
  topic?: string;
  /** Where the checkpoint persists; default: a MemoryCache. */
  cache?: ICache;
  print?: (line: string) => void;
  /** Give up (and stop the topic) after this long; default 60 s. */
  timeoutMs?: number;
}

function defaultBrokers(): string[] {
  return (process.env.KAFKA_BROKERS || '127.0.0.1:19092').split(',').map((b) => b.trim());
}

/** The newest reading at or before `time` (readings arrive in time order). */
function weatherAt(readings: Weather[], time: Date): Weather | undefined {
  return readings.filter((reading) => reading.time <= time).at(-1);
}

/** Resolves once the (started) consumer of the topic is paused; rejects after `timeoutMs`. */
async function untilPaused(topic: Topic, timeoutMs: number): Promise<void> {
  const consumer = await topic.getConsumer();
  const deadline = Date.now() + timeoutMs;
  while (consumer.paused().length === 0) {
    if (Date.now() > deadline) throw new Error(`Topic ${topic.name} was not paused within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A promise with its resolve function. */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * Two readings, then silence: `silent()` runs once ⛅ has been
 * handled (a generator resumes only when its next value is asked for). The
 * station comes back only after the checkpoint found the weather down and the
 * activity topic is paused — in real life hours later — first with a reading
 * that is still late, then with one that has caught up with the activities.
 */
async function* weatherStation(activity: Topic, silent: () => void, down: Promise<void>, timeoutMs: number): AsyncGenerator<Weather> {
  yield { time: at('10:00'), emoji: '🌞' };
  yield { time: at('11:00'), emoji: '⛅' };
  silent();
  await down; // also means the activity consumer has started: getConsumer() during its start would start a second one
  await untilPaused(activity, timeoutMs);
  yield { time: at('12:10'), emoji: '🌦️' }; // late: before the 12:15 activity
  yield { time: at('12:50'), emoji: '🌧' }; // caught up: the checkpoint recovers
}

export async function main(options: SynchronizationOptions = {}): Promise<string[]> {
  const print = options.print ?? console.log;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const suffix = Date.now().toString(36);
  const activity = new Topic<Activity>(
    options.topic ?? `activity-${suffix}`,
    { brokers: options.brokers ?? defaultBrokers(), groupId: `synchronization-${suffix}`, fromBeginning: true },
    { codec: new JsonCodec() },
  );
  const silence = signal();
  const weatherDown = signal();
  const station = weatherStation(activity, silence.resolve, weatherDown.promise, timeoutMs);

  const checkpoint = new Checkpoint('activity', {
    dependent: activity,
    dependencies: [new Dependency('weather', station, { downtimeThreshold: HOUR })],
    downtimeCallback: weatherDown.resolve,
    // The heartbeat that recovered stored the activity state of that moment: the offset
    // of the activity last processed, the one joined with stale weather. Process it again.
    recoveryCallback: (_checkpoint, weather) => activity.seek(weather.checkpointState as Offset),
    cache: options.cache ?? new MemoryCache(),
  });

  const readings: Weather[] = [];
  handle(station)(async function weatherHandler(reading: Weather) {
    readings.push(reading);
    await checkpoint.heartbeat(reading.time);
  });

  const lines: string[] = [];
  const output = (line: string): void => {
    lines.push(line);
    print(line);
  };
  handle(activity, { sink: [output] })(async function activityHandler(record: TopicRecord<Activity>) {
    const { time, activity: name } = record.value;
    const downtime = await checkpoint.checkPulse(new Date(time), { [record.partition]: record.offset });
    if (name === LAST_ACTIVITY) setImmediate(() => void activity.exitHook());
    const weather = weatherAt(readings, new Date(time))?.emoji ?? '?';
    return downtime ? `${name} ${weather} (weather ${Number(downtime) / MINUTE} min behind)` : `${name} ${weather}`;
  });

  // The day goes on while the station is silent.
  const publishing = silence.promise.then(async () => {
    for (const event of DAY) await activity(null, event);
  });
  let timedOut = false;
  const watchdog = setTimeout(() => {
    timedOut = true;
    void activity.exitHook();
  }, timeoutMs);
  try {
    await Promise.all([stream(), publishing]);
  } finally {
    clearTimeout(watchdog);
  }
  if (timedOut) throw new Error(`The synchronization example did not finish within ${timeoutMs} ms; printed: ${JSON.stringify(lines)}`);
  return lines;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
