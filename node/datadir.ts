/**
 * Creates the data directory private to its user, as Bitcoin Core does (it runs with umask 077,
 * so its datadir is 0700): the chain, the peer list and the RPC cookie are nobody else's business.
 * Directories this creates get mode 0700; the leaf, when created here, is also chmod'ed, since
 * mkdir's mode is filtered through the umask. Existing directories are left as the user set them.
 */
import { chmod, mkdir } from 'node:fs/promises';

export const DATADIR_MODE = 0o700;

/** Makes `path` (and missing parents); true when it did not exist before. */
export async function createDataDir(path: string): Promise<boolean> {
  // With `recursive`, mkdir returns the first directory it created, or undefined if none.
  const created = await mkdir(path, { recursive: true, mode: DATADIR_MODE });
  if (created === undefined) return false;
  await chmod(path, DATADIR_MODE);
  return true;
}
