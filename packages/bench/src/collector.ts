import { createInterface } from 'node:readline';
import { spawnTracked, stopProcess } from '@bondstream/testkit';

/** One segment change as the latency collector sees it. */
export interface CollectedChange {
  /** the event that caused it (absent for clock and thresholds changes) */
  causeEventId: string | undefined;
  /** the relay's clock when it published the change */
  emittedAtMs: number;
  /** the Kafka message's timestamp (the relay's producer, when it built the request) */
  timestampMs: number;
}

/**
 * Parses what follows the key in a line `kcat -f '%k\t%T\t%s\n'` prints for a JSON segment
 * change: the timestamp, a tab, the change. Only the two fields the latency needs are read,
 * without parsing the whole change. JSON.stringify escapes control characters, so a change is
 * one line, and `cause` holds no nested object. Returns null for anything else.
 */
export function parseChangeLine(rest: string): CollectedChange | null {
  const tab = rest.indexOf('\t');
  if (tab < 0) return null;
  const timestampMs = Number(rest.slice(0, tab));
  const causeAt = rest.indexOf('"cause":{', tab);
  const emitted = /"emittedAt":"([^"]*)"/.exec(rest);
  if (!Number.isFinite(timestampMs) || causeAt < 0 || emitted === null) return null;
  const causeEnd = rest.indexOf('}', causeAt);
  if (causeEnd < 0) return null;
  let cause: { eventId?: unknown };
  try {
    cause = JSON.parse(rest.slice(causeAt + '"cause":'.length, causeEnd + 1)) as { eventId?: unknown };
  } catch {
    return null;
  }
  return {
    causeEventId: typeof cause.eventId === 'string' ? cause.eventId : undefined,
    emittedAtMs: Date.parse(emitted[1] as string),
    timestampMs,
  };
}

/**
 * The latency phase's reader of the output topic: kcat (librdkafka, as a well-configured
 * consumer in any language would be), from the end of every partition, one line per change,
 * unbuffered. The collector sees every change the scorer publishes (about five per event) on
 * the same two cores as the pipeline it measures, so it parses only the lines whose key
 * (the customer) `wanted` asks for; `onChange` gets each of them with performance.now() of the
 * line's arrival.
 *
 * `fetchWaitMs` is librdkafka's fetch.wait.max.ms (default 500): a broker (and the patched mock
 * broker) answers a waiting fetch as soon as data arrives, so the wait costs no latency.
 */
export function startKcatCollector(
  brokers: string,
  topic: string,
  fetchWaitMs: number,
  wanted: (key: string) => boolean,
  onChange: (key: string, change: CollectedChange, receivedAt: number) => void,
): { stop(): Promise<void>; lines(): number } {
  const child = spawnTracked('kcat', [
    '-C', '-b', brokers, '-t', topic, '-o', 'end', '-u', '-q', '-f', '%k\\t%T\\t%s\\n',
    '-X', `fetch.wait.max.ms=${fetchWaitMs}`, '-X', 'fetch.min.bytes=1',
  ]);
  child.stdin?.end();
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2_000);
  });
  child.once('exit', (code) => {
    if (code !== null && code !== 0) process.stderr.write(`bench: the kcat collector exited with ${code}: ${stderr}\n`);
  });
  let lines = 0;
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const receivedAt = performance.now();
    lines += 1;
    const tab = line.indexOf('\t');
    const key = line.slice(0, tab);
    if (tab < 0 || !wanted(key)) return;
    const change = parseChangeLine(line.slice(tab + 1));
    if (change !== null) onChange(key, change, receivedAt);
  });
  return { stop: () => stopProcess(child, 2_000), lines: () => lines };
}
