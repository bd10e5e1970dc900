/**
 * The state directory (default ./.devnet): wiped and recreated at each start so every run is
 * fresh. Wiping deletes files, so it is done only to a directory that is absent, empty, or
 * carries the `.devnet` marker an earlier run wrote (holding that run's pid); anything else is
 * refused, so a mistyped --dir never deletes a user's files. A marker whose pid is still alive
 * means another devnet uses the directory; its nodes' data must not be pulled from under them.
 */
import { lstat, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DevnetError } from './errors.js';

const MARKER = '.devnet';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function markerPid(path: string): Promise<number | undefined> {
  try {
    const pid = (JSON.parse(await readFile(path, 'utf8')) as { pid?: unknown }).pid;
    return typeof pid === 'number' && Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Empties (or creates) `dir` and writes the marker; throws DIR_REFUSED when it must not. */
export async function prepareStateDir(dir: string): Promise<void> {
  let entries: string[];
  try {
    const st = await lstat(dir);
    if (!st.isDirectory()) throw new DevnetError('DIR_REFUSED', `${dir} exists and is not a directory`);
    entries = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    entries = [];
    await mkdir(dir, { recursive: true });
  }
  if (entries.length > 0) {
    const marker = join(dir, MARKER);
    const isMarked = await lstat(marker).then(
      (s) => s.isFile(),
      () => false,
    );
    if (!isMarked) {
      throw new DevnetError(
        'DIR_REFUSED',
        `refusing to wipe ${dir}: it is not empty and has no ${MARKER} marker (devnet did not make it); pass --dir <new or empty directory>`,
      );
    }
    const pid = await markerPid(marker);
    if (pid !== undefined && pid !== process.pid && alive(pid)) {
      throw new DevnetError('DIR_REFUSED', `another devnet (pid ${pid}) is running in ${dir}; stop it first`);
    }
    // Entry by entry, not the directory itself: it may be the user's mount point or cwd.
    for (const name of entries) await rm(join(dir, name), { recursive: true, force: true });
  }
  await writeFile(
    join(dir, MARKER),
    `${JSON.stringify({ pid: process.pid, started: new Date().toISOString() })}\n`,
  );
}
