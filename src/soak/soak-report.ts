import type { CapacityReport } from './capacity.ts';
import type { Report } from '../report/report.ts';
import type { SnapshotDiff, SnapshotFile } from './heap-snapshots.ts';
import type { SoakSample } from './soak-sample.ts';

/** The soak's heap snapshots and what grew between them. */
export interface SoakSnapshots {
  dir: string;
  files: SnapshotFile[];
  /** Present once both snapshots were written and read. */
  diff?: SnapshotDiff;
  /** Why there is no diff, in one line (a snapshot could not be written or read). */
  error?: string;
}

/** A soak's report: the run report's shape (one scenario, `soak`) plus the time series. */
export interface SoakReport extends Report {
  kind: 'soak';
  series: SoakSample[];
  snapshots?: SoakSnapshots;
  /** The --open streams, opened in steps: memory per stream, fan-out latency, streams per GiB. */
  capacity?: CapacityReport;
}
