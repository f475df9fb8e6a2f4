/** One point of the soak's time series, taken after a forced GC. Plain data. */
export interface SoakSample {
  /** ms since the soak started. */
  t: number;
  /** Churned connections completed so far. */
  connections: number;
  /** Object spaces and array buffers after GC (what the growth verdict uses; `arrayBuffers` is the buffers alone). */
  heapUsed: number;
  /** Compiled code (kept apart: JIT warm-up). */
  code: number;
  rss: number;
  external: number;
  arrayBuffers: number;
  /** Live timers the target created. */
  timers: number;
  gauges: Record<string, number>;
  sockets: number;
  /** Chunks (events and keepalive comments) the held streams have read so far, all together. */
  heldChunks?: number;
}
