/**
 * The files store's database (<datadir>/files/db, its own LevelDB; bcoin's layout.js style).
 * Keys are text; values are bytes.
 *
 *   v                          -> schema version (decimal text)
 *   f <id hex>                 -> FileRecord as JSON (record.ts)
 *   h <id hex>                 -> the file's chunk hashes, 32 bytes each, in order (whole files)
 *   c <id hex> <index 8 hex>   -> leaf hash(32) || audit path hashes || group u32 LE
 *                                 (chunks of a partial download; a value without the group,
 *                                 from before group commit, was fsynced when written)
 *   s <id hex>                 -> u32 LE: the last group whose chunks' bytes were fdatasync'ed
 *   b                          -> the boot id of the machine when the store was last opened
 *
 * Chunk data lives beside it in <datadir>/files/data/<id hex>, named by manifest id: a name in a
 * manifest never becomes a path. A `c` key is written only after its chunk's bytes were written
 * to the data file (kill -9 safe: the page cache outlives the process); the `s` key after the
 * file was fdatasync'ed, so after a reboot only keys of synced groups are trusted (store.ts).
 */
export const FILES_DB_VERSION = 1;

export const fileKey = (idHex: string) => `f${idHex}`;
export const hashesKey = (idHex: string) => `h${idHex}`;
export const syncedKey = (idHex: string) => `s${idHex}`;
export const BOOT_KEY = 'b';
export const chunkKey = (idHex: string, index: number) => `c${idHex}${index.toString(16).padStart(8, '0')}`;
/** Range bounds of every chunk key of a file. */
export const chunkRange = (idHex: string) => ({ gte: `c${idHex}`, lt: `c${idHex}~` });
/** Range of every file record. */
export const FILE_RANGE = { gte: 'f', lt: 'g' };

export function indexOfChunkKey(key: string): number {
  return Number.parseInt(key.slice(65), 16);
}
