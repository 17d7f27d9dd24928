import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FIELD_LIST } from '../config/schema.js';
import { TOPICS } from '../domain/events.js';
import { PENDING_CONFIG_CONSUMERS, PENDING_CONSUMERS, PENDING_PRODUCERS } from './pending.js';

/** The source tree this module belongs to (src/). */
export const SRC_DIR = path.resolve(import.meta.dirname, '..');

export interface TopicUse {
  readonly topic: string;
  readonly producers: readonly string[];
  readonly consumers: readonly string[];
}

export interface ConfigUse {
  readonly key: string;
  readonly env: string;
  readonly readers: readonly string[];
}

export interface DoctorReport {
  readonly topics: readonly TopicUse[];
  readonly config: readonly ConfigUse[];
  /** Every orphan topic, ghost config key, or stale entry in src/app/pending.ts. Empty = healthy. */
  readonly problems: readonly string[];
}

interface SourceFile {
  readonly rel: string;
  readonly text: string;
}

function sourceFiles(dir: string): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const abs = path.join(d, entry.name);
      if (entry.isDirectory()) walk(abs);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        out.push({ rel: path.relative(dir, abs), text: readFileSync(abs, 'utf8') });
      }
    }
  };
  walk(dir);
  return out.sort((a, b) => a.rel.localeCompare(b.rel));
}

const PUBLISH = /\.publish\(\s*['"]([A-Z_]+)['"]/g;
const SUBSCRIBE = /\.subscribe\(\s*['"]([A-Z_]+)['"]/g;
/** The bus itself publishes ERROR when a subscriber throws (src/core/event-bus.ts). */
const BUS_PRODUCED = /this\.channel\(\s*['"]([A-Z_]+)['"]\)/g;

/**
 * Static scan of src/: who publishes and who subscribes to each topic (calls must name the topic as a
 * string literal, which is the project's convention), and which module reads each config key.
 */
export interface PendingLists {
  readonly producers: readonly string[];
  readonly consumers: readonly string[];
  readonly config: readonly string[];
}

const PENDING: PendingLists = {
  producers: PENDING_PRODUCERS,
  consumers: PENDING_CONSUMERS,
  config: PENDING_CONFIG_CONSUMERS,
};

export function doctor(srcDir: string = SRC_DIR, pending: PendingLists = PENDING): DoctorReport {
  const files = sourceFiles(srcDir);
  const producers = new Map<string, Set<string>>();
  const consumers = new Map<string, Set<string>>();
  const add = (m: Map<string, Set<string>>, topic: string, file: string): void => {
    const set = m.get(topic) ?? new Set<string>();
    set.add(file);
    m.set(topic, set);
  };
  for (const f of files) {
    for (const m of f.text.matchAll(PUBLISH)) add(producers, m[1] ?? '', f.rel);
    for (const m of f.text.matchAll(SUBSCRIBE)) add(consumers, m[1] ?? '', f.rel);
    for (const m of f.text.matchAll(BUS_PRODUCED)) add(producers, m[1] ?? '', f.rel);
  }

  const problems: string[] = [];
  const topics = TOPICS.map((topic) => ({
    topic,
    producers: [...(producers.get(topic) ?? [])],
    consumers: [...(consumers.get(topic) ?? [])],
  }));
  for (const t of topics) {
    const pendingP = pending.producers.includes(t.topic);
    const pendingC = pending.consumers.includes(t.topic);
    if (t.producers.length === 0 && !pendingP) problems.push(`topic ${t.topic} has no producer`);
    if (t.consumers.length === 0 && !pendingC) problems.push(`topic ${t.topic} has no consumer`);
    if (t.producers.length > 0 && pendingP)
      problems.push(`topic ${t.topic} now has a producer: remove it from PENDING_PRODUCERS`);
    if (t.consumers.length > 0 && pendingC)
      problems.push(`topic ${t.topic} now has a consumer: remove it from PENDING_CONSUMERS`);
  }
  for (const topic of [...producers.keys(), ...consumers.keys()]) {
    if (!(TOPICS as readonly string[]).includes(topic))
      problems.push(`topic ${topic} is used but not in the catalogue`);
  }

  const engineFiles = files.filter((f) => !f.rel.startsWith(`config${path.sep}`));
  const config = FIELD_LIST.map((field) => {
    const re = new RegExp(`\\bconfig\\.${field.key}\\b`); // convention: composition roots read `config.<key>`
    return {
      key: field.key,
      env: field.env,
      readers: engineFiles.filter((f) => re.test(f.text)).map((f) => f.rel),
    };
  });
  for (const c of config) {
    const isPending = pending.config.includes(c.key);
    if (c.readers.length === 0 && !isPending)
      problems.push(`config ${c.env} is a ghost: nothing outside src/config reads it`);
    if (c.readers.length > 0 && isPending)
      problems.push(
        `config ${c.env} is now read (${c.readers.join(', ')}): remove it from PENDING_CONFIG_CONSUMERS`,
      );
  }
  return { topics, config, problems };
}
