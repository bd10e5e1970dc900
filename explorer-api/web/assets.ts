/**
 * The web page's static files, read once at start-up into memory (a few tens of kilobytes), each
 * with its content type and a strong ETag. The set's version is a hash of every file, so the
 * page can load its assets from /static/<version>/… and let browsers cache them forever
 * (`immutable`): a new build changes the version and thus every asset URL.
 *
 * The files live in explorer-api/web/static/ beside this module's source. `tsc` does not copy
 * them into dist/, so the compiled module also looks for them in the package's source tree.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

export interface AssetSet {
  /** Short hash of all files: changes whenever any file does. */
  readonly version: string;
  /** Files by path relative to the static folder, with '/' separators (`views/tx.js`). */
  readonly files: ReadonlyMap<string, Asset>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** Where the static folder is: beside the source, or (from dist/) in the source tree. */
export function findStaticDir(): string {
  const candidates = [
    fileURLToPath(new URL('./static', import.meta.url)),
    fileURLToPath(new URL('../../../explorer-api/web/static', import.meta.url)),
  ];
  const found = candidates.find((dir) => existsSync(join(dir, 'index.html')));
  if (!found) throw new Error(`explorer web assets not found (looked in ${candidates.join(', ')})`);
  return found;
}

function walk(dir: string, out: string[]): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else if (entry.isFile() && Object.hasOwn(TYPES, extname(entry.name))) out.push(path);
  }
  return out;
}

export function loadAssets(dir: string = findStaticDir()): AssetSet {
  const files = new Map<string, Asset>();
  const all = createHash('sha256');
  for (const path of walk(dir, []).sort()) {
    const name = relative(dir, path).split(sep).join('/');
    const body = readFileSync(path);
    const digest = createHash('sha256').update(body).digest('hex');
    all.update(`${name}\0${digest}\0`);
    files.set(name, { body, type: TYPES[extname(name)]!, etag: `"${digest.slice(0, 32)}"` });
  }
  return { version: all.digest('hex').slice(0, 16), files };
}
