import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SoakError } from '../errors/soak-error.ts';

/** Writes next to `file` and renames into place: a reader never sees half a file. */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const temp = `${file}.${process.pid}.partial`;
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(temp, content);
    await rename(temp, file);
  } catch (error) {
    throw new SoakError(`cannot write ${file}: ${(error as Error).message}`, { code: 'SSE_SOAK_WRITE', exitCode: 3, cause: error });
  }
}
