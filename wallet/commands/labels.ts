/**
 * `labels export` / `labels import FILE` (BIP329 JSON Lines; labels.ts). Import checks every
 * line before anything is written, then merges: a record replaces the one with the same type
 * and ref. No password: labels are kept unencrypted, as Core keeps them.
 */
import { readFile } from 'node:fs/promises';
import type { Context } from '../context.js';
import { WalletError } from '../errors.js';
import { formatLabels, keyOf, parseLabels, readLabels, writeLabels } from '../labels.js';
import type { Result } from './result.js';

export async function labelsExport(ctx: Context): Promise<Result> {
  const { path, network } = await ctx.existing();
  const labels = [...(await readLabels(path, network)).values()];
  return { json: labels, text: formatLabels(labels) };
}

export async function labelsImport(ctx: Context, file: string): Promise<Result> {
  const { path, network } = await ctx.existing();
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new WalletError('BAD_FILE', `cannot read ${file}: ${(e as Error).message}`);
  }
  const incoming = parseLabels(text, network, file);
  const labels = await readLabels(path, network);
  for (const l of incoming) labels.set(keyOf(l), l);
  await writeLabels(path, labels.values());
  return {
    json: { imported: incoming.length, total: labels.size },
    text: `imported ${incoming.length} labels (${labels.size} in all)`,
  };
}
