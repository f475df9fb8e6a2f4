const MiB = 1_048_576;

/** `17.9 MB`: file sizes, heaps. */
export function megabytes(bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MB`;
}

/** `125 KB` below a megabyte, `2.0 MB` above; a minus sign when negative. */
export function size(bytes: number): string {
  const n = Math.abs(bytes);
  return `${bytes < 0 ? '-' : ''}${n >= MiB ? megabytes(n) : `${Math.round(n / 1024)} KB`}`;
}
