import { diffSnapshots, type SnapshotFile, writeSnapshot } from './heap-snapshots.ts';
import { messageOf } from '../target/load-target.ts';
import type { SiteMapper } from './retainer-paths.ts';
import type { SoakSnapshots } from './soak-report.ts';

/**
 * The soak's two heap snapshots and their diff, as far as they got: a snapshot that could
 * not be written or read ends the attempt with a one-line reason in `state.error`, never
 * the soak.
 */
export class SoakSnapshotter {
  readonly state: SoakSnapshots;

  constructor(
    dir: string,
    readonly onWrite?: (file: SnapshotFile) => void,
    /** Where the snapshot is taken: this process, or a command's server through its agent. */
    readonly write: typeof writeSnapshot = writeSnapshot,
  ) {
    this.state = { dir, files: [] };
  }

  get failed(): boolean {
    return this.state.error !== undefined;
  }

  async take(label: SnapshotFile['label'], connections: number): Promise<void> {
    if (this.failed) return;
    try {
      const file = await this.write(this.state.dir, label, connections);
      this.state.files.push(file);
      this.onWrite?.(file);
    } catch (error) {
      this.state.error = `the ${label} heap snapshot could not be written: ${messageOf(error)}`;
    }
  }

  /**
   * Diffs the warm-up and end snapshots, once the soak is over after `connections`, and
   * finds who holds what grew (retainer-paths.ts).
   */
  /**
   * `leakedPerConnection`: the rate of a leak the soak's counts found, which lowers the
   * clusters' floor to half of it. `growthPerConnection`: the heap's growth per connection
   * when it failed the soak and no count did; a cluster retaining a quarter of that growth
   * between the snapshots is shown whatever its count.
   */
  async diff(
    connections: number,
    cwd = process.cwd(),
    mapSites?: SiteMapper,
    leakedPerConnection?: number,
    growthPerConnection?: number,
  ): Promise<void> {
    if (this.failed) return;
    const [warm, end] = this.state.files;
    if (!warm || !end) {
      this.state.error = `the soak ended after ${connections} connections, before the end of its warm-up: no snapshots to compare`;
      return;
    }
    try {
      const churned = end.connections - warm.connections;
      this.state.diff = await diffSnapshots(warm.file, end.file, {
        retainers: {
          churned,
          cwd,
          ...(mapSites ? { mapSites } : {}),
          ...(leakedPerConnection ? { leakedPerConnection } : {}),
          ...(growthPerConnection && growthPerConnection > 0 ? { heapGrowthBytes: growthPerConnection * churned } : {}),
        },
      });
    } catch (error) {
      this.state.error = `the heap snapshots could not be read: ${messageOf(error)}`;
    }
  }
}
