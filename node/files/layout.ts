/**
 * The files store's database (<datadir>/files/db, its own LevelDB; bcoin's layout.js style).
 * Keys are text; values are bytes.
 *
 *   v                          -> schema version (decimal text)
 *   f <id hex>                 -> FileRecord as JSON (record.ts)
 *   h <id hex>                 -> the file's chunk hashes, 32 bytes each, in order (whole files)
 *   c <id hex> <index 8 hex>   -> leaf hash(32) || audit path hashes (chunks of a partial download)
 *
 * Chunk data lives beside it in <datadir>/files/data/<id hex>, named by manifest id: a name in a
 * manifest never becomes a path. A `c` key is written only after its chunk's bytes were written
 * and fsynced to the data file, so a key always means durable, verified data (kill -9 safe).
 */
export const FILES_DB_VERSION = 1;

export const fileKey = (idHex: string) => `f${idHex}`;
export const hashesKey = (idHex: string) => `h${idHex}`;
export const chunkKey = (idHex: string, index: number) => `c${idHex}${index.toString(16).padStart(8, '0')}`;
/** Range bounds of every chunk key of a file. */
export const chunkRange = (idHex: string) => ({ gte: `c${idHex}`, lt: `c${idHex}~` });
/** Range of every file record. */
export const FILE_RANGE = { gte: 'f', lt: 'g' };

export function indexOfChunkKey(key: string): number {
  return Number.parseInt(key.slice(65), 16);
}
