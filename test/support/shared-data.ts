import { existsSync } from 'node:fs';
import path from 'node:path';

/** ../shared/data beside the project root (the project root is this file's ../..). */
export const SHARED_DATA = path.resolve(import.meta.dirname, '..', '..', '..', 'shared', 'data');

/** Absolute path of a file under ../shared/data; throws with a clear message when it is missing. */
export function sharedData(relative: string): string {
  const file = path.join(SHARED_DATA, relative);
  if (!existsSync(file))
    throw new Error(`shared data file missing: ${file} (tests read ../shared/data beside the repo)`);
  return file;
}
