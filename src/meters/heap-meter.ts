import { setImmediate as nextTurn } from 'node:timers/promises';
import { getHeapCodeStatistics, getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface HeapSample {
  /**
   * Bytes in use in the spaces that hold objects (new, old, large-object), less code
   * metadata, plus what array buffers hold outside them (`bufferBytes`).
   */
  usedBytes: number;
  /**
   * The contents of this isolate's ArrayBuffers, Node's Buffers among them (Node's
   * `arrayBuffers`): they live outside V8's object spaces, and a buffer kept per connection
   * would show only as its small JS wrapper. Part of `usedBytes` and `objectBytes`.
   */
  bufferBytes?: number;
  /**
   * Bytes of compiled code and its metadata (V8's code statistics): grows while the JIT
   * warms up, and is no leak of the target's. Not part of `usedBytes`.
   */
  codeBytes: number;
  /** The object spaces as read (new, old, large-object), the code's metadata in them included, and the array buffers' contents. */
  objectBytes?: number;
  /** This sample's own reading of that metadata: V8's code-and-metadata figure less the code space. */
  metadataBytes?: number;
}

const codeSpaces = new Set(['code_space', 'code_large_object_space', 'read_only_space']);

let cachedGc: (() => void) | null | undefined;
let collect: (() => void) | undefined;

/**
 * A forced full GC without --expose-gc on the command line (DOMAIN.md: the flag can be set
 * at run time and `gc` taken from a fresh context). Null when the runtime refuses.
 */
export function forcedGc(): (() => void) | null {
  if (cachedGc !== undefined) return cachedGc;
  const global = globalThis as { gc?: () => void };
  if (typeof global.gc === 'function') {
    cachedGc = global.gc;
    return cachedGc;
  }
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    cachedGc = typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    cachedGc = null;
  }
  return cachedGc;
}

/**
 * A forced full GC whose compaction runs on this thread alone. V8 evacuates pages in
 * parallel tasks, and the old space's used size read after such a collection can count
 * about one page (256 KB) too much, which the next collection takes back. In a fresh `run`
 * process the first scenario's series jumped +250 to +370 KB at one sample and fell back at
 * the next, at random samples, in most runs, where one scenario's series moves about a
 * hundred KB per sample: the serial-correlation factor then widened clean-close's interval
 * to everything, and a 2 KiB-per-connection retention passed undecided at the cap in 3 runs
 * of 8. With `--no-parallel-compaction` (or `--single-threaded-gc`) the jumps were gone in
 * 36 runs of 36; with concurrent sweeping, marking or recompilation off, or bytecode
 * flushing, they were not. V8 reads the flag at each collection: compaction is serial for
 * sse-soak's own collections only, and parallel again after them. A process started
 * without parallel compaction keeps it off.
 */
function measuredCollection(gc: () => void): () => void {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].map((f) => f.replaceAll('_', '-'));
  if (flags.some((f) => /^--(no-parallel-compaction|single-threaded(-gc)?)$/.test(f))) return gc;
  return () => {
    setFlagsFromString('--no-parallel-compaction');
    try {
      gc();
    } finally {
      setFlagsFromString('--parallel-compaction');
    }
  };
}

/**
 * Heap in use after a full GC; undefined when GC cannot be forced (the check is skipped).
 * Object spaces and code are counted apart: the JIT compiling the harness's and the
 * target's hot paths adds code for thousands of connections (DOMAIN.md: 7 to 14 KB per
 * connection at first), which a per-connection slope would read as a leak.
 *
 * `thorough` collects twice with turns of the event loop between: FinalizationRegistry
 * callbacks (the `Request` objects @hono/node-server builds register their signals in one)
 * run only after the collection that found their targets dead, and what they held needs a
 * second one. One collection alone reads 15 to 40 KB more on the reference, the last wave's
 * objects awaiting their finalizers, steady within a scenario; but after the baseline it read
 * 120 KB more, and now and then 140 KB more for one sample (measured): a series of
 * one-collection samples saves a collection (about 12 ms at 11 MB) per sample and bends
 * where the test looks first. Every sample of a series is thorough.
 */
export async function sampleHeap(options: SampleOptions = {}): Promise<HeapSample | undefined> {
  const gc = forcedGc();
  if (!gc) return undefined;
  collect ??= measuredCollection(gc);
  collect();
  if (!options.thorough) return processHeap.read(readSpaces());
  await nextTurn();
  await nextTurn();
  collect();
  const readings = [readSpaces()];
  const suspect = lastThorough !== undefined && inUse(readings[0]!) - lastThorough > SUSPECT_STEP;
  const extra = options.first ? FIRST_EXTRA_COLLECTIONS : suspect ? 1 : 0;
  for (let i = 0; i < extra; i++) {
    await nextTurn();
    await nextTurn();
    collect();
    readings.push(readSpaces());
  }
  const reading = lowestReading(readings);
  lastThorough = inUse(reading);
  return processHeap.read(reading);
}

/**
 * The lowest of one sample's readings, each taken after a collection more, each one's code
 * space read as no more than any other's plus what V8's code figure grew by since (as
 * codeSpaceHeld does from sample to sample). Between collections a few turns apart no code
 * moves, but the code space can count a page it does not hold at any of them. Measured on
 * fresh runs' baselines (clean-close, 1 KiB per connection): in 5 of 60 the third
 * collection freed 60 to 130 KB of old space, and at the same reading the code space counted
 * a page (+197 to +210 KB against +5 of code; in one of them the first reading had the page
 * too), so that reading compared as the highest and the baseline kept one 60 to 130 KB high:
 * first steps of -27 to -101 KB where a wave adds about 55, and 2 of the 5 left undecided at
 * the cap. Only ever a lower reading of the same moment.
 */
export function lowestReading(readings: readonly SpaceReading[]): SpaceReading {
  let lowest: SpaceReading | undefined;
  for (const reading of readings) {
    const held = { ...reading, codeSpaceBytes: Math.min(...readings.map((other) => codeSpaceHeld(reading, other))) };
    if (!lowest || inUse(held) < inUse(lowest)) lowest = held;
  }
  return lowest!;
}

export interface SampleOptions {
  /** Two collections with turns of the event loop between (above); every sample of a series is thorough. */
  thorough?: boolean;
  /** The first sample of a series (a scenario's baseline); with `thorough`, it takes the lowest reading of FIRST_EXTRA_COLLECTIONS more collections. */
  first?: boolean;
}

/**
 * A thorough sample more than this above the one before takes one collection more, and the
 * lower of the two readings. After a collection, the old or the code space sometimes counts
 * most of a page (256 KB) that it does not hold, and a later collection gives it back
 * (read after every collection: 10 of 13 samples just after the old space grew by a page read
 * 130 to 245 KB high, and the next collection took it back; a collection after that could
 * count it again). In a clean-close series at 1 KiB per connection, which grows about 55 KB a
 * step, such a sample is a step of +140 to +300 KB and then one of -40 to -200; about one
 * series in four had one, mostly early in the phase, and it left the 1 KiB leak undecided at
 * the cap or decided late. A process started with `--single-threaded-gc` had none in eight
 * runs, but V8 refuses that flag, and turning parallel marking off, once it runs; turning
 * concurrent marking and sweeping, parallel scavenge and pointer updates, array-buffer
 * sweeping or compaction off around sse-soak's collections left them. Only ever a lower
 * reading of the same moment: what a target keeps survives any number of collections, so a
 * leak reads the same. A leak that grows more than this a sample (about 2 KiB per connection
 * in clean-close's waves of 40) pays a collection at every sample; a clean series, one or
 * none a scenario.
 */
const SUSPECT_STEP = 96 * 1024;

/**
 * The baseline comes after a warm-up of hundreds of connections, and its second collection
 * still left garbage a third one found (29 to 39 KB in 2 runs of 8, read after every
 * collection; later samples 1 to 10 KB). A baseline read high tilts the whole series down:
 * it was the other way the 1 KiB leak went undecided in clean-close, and it hid the same
 * amount of any leak. The lowest of three readings (two collections more). Profiled over a
 * whole default run, these and the far-off samples' collections (11 in all) cost 0.18 s of
 * collection and 0.06 s of code statistics.
 */
const FIRST_EXTRA_COLLECTIONS = 2;

/** What `sampleHeap` reads as in use, before its page corrections (HeapReader). */
function inUse(reading: SpaceReading): number {
  return reading.objectBytes - Math.max(0, reading.codeAndMetadataBytes - reading.codeSpaceBytes);
}

/** This process's last thorough reading's `inUse`. */
let lastThorough: number | undefined;

export interface SpaceReading {
  /** new, old and large-object spaces: where objects live, and the metadata of compiled code; and the array buffers' contents. */
  objectBytes: number;
  /** The array buffers' contents alone. */
  bufferBytes?: number;
  /** code, code large-object and read-only spaces. */
  codeSpaceBytes: number;
  /** V8's code statistics: compiled code in the code spaces and its metadata in old space. */
  codeAndMetadataBytes: number;
}

/**
 * The object spaces, and what array buffers hold outside them (Node's `arrayBuffers`, this
 * thread's: a worker thread has an allocator of its own). Measured as a command: a server
 * keeping a 2 KiB ArrayBuffer per request read about 200 B per connection on the object
 * spaces alone, as a clean one does, and passed every scenario; with the buffers counted it
 * read 2,190 to 2,310 B and failed all four wire scenarios, decided by 140 to 360
 * connections, while the same server keeping nothing read -27 to +79 B.
 */
function readSpaces(): SpaceReading {
  let objectBytes = 0;
  let codeSpaceBytes = 0;
  for (const space of getHeapSpaceStatistics()) {
    if (codeSpaces.has(space.space_name)) codeSpaceBytes += space.space_used_size;
    else objectBytes += space.space_used_size;
  }
  const bufferBytes = process.memoryUsage().arrayBuffers;
  return {
    objectBytes: objectBytes + bufferBytes,
    bufferBytes,
    codeSpaceBytes,
    codeAndMetadataBytes: getHeapCodeStatistics().code_and_metadata_size,
  };
}

/**
 * The JIT's code lives in code space, its metadata (Code objects' deoptimisation data,
 * relocation info, source positions) in old space: both are code. A heap snapshot of `fixed`
 * served 400 connections after its warm-up grew by (compiled code) alone, +245 KB, most of it
 * deopt data, relocation info and Code objects; counting that metadata as code took about a
 * third off clean-close's drift. The metadata in old space is V8's code-and-metadata figure
 * less what the code space holds.
 *
 * The code space's used size is not always what it holds: after some collections it counts
 * one whole page (256 KB) more, the free space of a page the code space has just grown by,
 * and gives it back at a later collection (measured: code space 959, 1,210, 976 KB at three
 * samples in a row, V8's code figure 2,828, 2,843, 2,849 KB). Read as 250 KB less metadata,
 * that page raised a sample by 250 KB, or every sample after a baseline that had it: the
 * unexplained step of -140 to +240 KB in the first interval of fresh runs was this page. It is
 * gone with `--single-threaded-gc`, which V8 refuses once it runs, and not with concurrent
 * sweeping, code-space compaction, concurrent marking or recompilation off. The metadata moves
 * up to about 30 KB per sample and falls by more only with that page (110 to 250 KB
 * measured), so a sample whose metadata is more than 64 KiB below the largest of this
 * process's last three samples' takes that largest instead (and heapSeries reads it against
 * the next sample too). Fresh default runs on the reference: steps of more than 100 KB
 * between samples, 21 of 343 before (eight runs), 1 of 404 after (ten); a 2 KiB retention
 * was left undecided in clean-close in 1 run of 30 instead of about 1 in 7.
 *
 * The metadata also falls when V8 drops compiled code, and then its code figure falls with
 * it: in `reconnect` the baseline's collections invalidate optimized code that the warm-up
 * left, and V8 drops it when the functions next run, in the first wave (code figure -179 KB,
 * metadata -167; with TurboFan off the fall is gone). Taken for the page, that fall read as
 * a first step of -113 to -148 KB in every run, and the scenario decided at 240 to 260
 * clients. So each earlier sample's metadata stands in less the code dropped since, and a
 * later one's (heapSeries) less the code compiled since: only a fall the code figure does not
 * show is the page. Five runs each: 140 to 200 clients, first steps -49 to -57 KB.
 */
export class HeapReader {
  /** The last samples' metadata as each read it, and V8's code figure then. */
  readonly #recent: { metadata: number; code: number }[] = [];
  #last: SpaceReading | undefined;

  constructor(readonly window = 3) {}

  /** One sample's heap in use and code, from the spaces read after its collection. */
  read(reading: SpaceReading): HeapSample {
    const last = this.#last;
    this.#last = reading;
    // The window below sees the metadata as each sample read it, a page included, less the
    // code V8 has dropped since: metadata that left with its code is gone, not a page.
    this.#recent.push({ metadata: Math.max(0, reading.codeAndMetadataBytes - reading.codeSpaceBytes), code: reading.codeAndMetadataBytes });
    if (this.#recent.length > this.window) this.#recent.shift();
    const own = Math.max(0, reading.codeAndMetadataBytes - codeSpaceHeld(reading, last));
    const metadata = withoutPage(
      own,
      Math.max(...this.#recent.map((r) => r.metadata - Math.max(0, r.code - reading.codeAndMetadataBytes))),
    );
    return {
      usedBytes: reading.objectBytes - metadata,
      codeBytes: Math.max(reading.codeSpaceBytes, reading.codeAndMetadataBytes),
      objectBytes: reading.objectBytes,
      metadataBytes: own,
      ...(reading.bufferBytes !== undefined ? { bufferBytes: reading.bufferBytes } : {}),
    };
  }
}

/**
 * The code space's used size, or no more than the last sample's plus what V8's code figure
 * grew by since: code the JIT adds is counted by both, so a code space that grew by more
 * counts space it does not hold. Measured in idle-kill (a later scenario of a default run, 4
 * runs of 10): the code space read 65 to 97 KB more at one sample while V8's code figure rose
 * 5 to 15 KB, and gave it back at the next. That is less than half a page, which the window
 * takes for the metadata moving, and it read as a step of +62 to +94 KB and back, which kept
 * the scenario past its fewest connections. Only ever a lower reading: the cap binds only when
 * the code space outgrew the code.
 */
function codeSpaceHeld(reading: SpaceReading, last: SpaceReading | undefined): number {
  if (!last) return reading.codeSpaceBytes;
  const codeGrew = Math.max(0, reading.codeAndMetadataBytes - last.codeAndMetadataBytes);
  return Math.min(reading.codeSpaceBytes, last.codeSpaceBytes + codeGrew);
}

/**
 * A series' heap in use, each sample's metadata also checked against the next sample's: the
 * page is read at the first sample of a process too, which has no samples before it (a fresh
 * run's baseline read 140 to 250 KB high in 4 runs of 12 at 2 KiB per connection, and left
 * clean-close undecided at the cap in all four). A sample is read anew when the next arrives.
 */
export function heapSeries(samples: readonly HeapSample[]): number[] {
  return samples.map((sample, i) => {
    const next = samples[i + 1];
    if (sample.objectBytes === undefined || sample.metadataBytes === undefined || next?.metadataBytes === undefined)
      return sample.usedBytes;
    // The next sample's metadata, less what its code grew by since: the JIT's new code brings its metadata.
    const grew = Math.max(0, next.codeBytes - sample.codeBytes);
    return Math.min(sample.usedBytes, sample.objectBytes - withoutPage(sample.metadataBytes, next.metadataBytes - grew));
  });
}

/**
 * Half a page: the metadata moves up to about 30 KB between samples while the JIT works, and
 * the page takes 230 to 250 KB off it. Only a gap this large is read as the page; a smaller
 * one is the metadata moving (taking the larger then would raise the newest sample above the
 * ones before it, which are read again with their next one: a tilt of the very kind the
 * series must not have).
 */
const PAGE_GAP = 64 * 1024;

/** This sample's metadata, or another sample's when this one's is lower by the page. */
function withoutPage(own: number, other: number): number {
  return other - own > PAGE_GAP ? other : own;
}

/** This process's samples, one series across its scenarios. */
const processHeap = new HeapReader();
