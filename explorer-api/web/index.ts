/**
 * The explorer web page at /: one HTML shell served for every page path (so deep links such as
 * /tx/<txid> work on reload) and its ES modules and stylesheet under /static/<version>/, cached
 * forever by browsers because the version changes with the content. The page itself is a client
 * of the Esplora API under /api and reads nothing else from the node.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Asset, type AssetSet, loadAssets } from './assets.js';

/** Paths the page routes in the browser (static/app.js); each serves the same shell. */
export const PAGE_PATHS = [
  '/',
  '/blocks',
  '/mempool',
  '/search',
  '/block/:hash',
  '/block-height/:height',
  '/tx/:txid',
  '/address/:address',
  '/anchor/:id',
] as const;

/**
 * The page only loads its own files and talks only to its own origin; the policy is a second
 * line of defence behind building the DOM with textContent.
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const IMMUTABLE = 'public, max-age=31536000, immutable';

function send(req: FastifyRequest, res: FastifyReply, asset: Asset, cacheControl: string) {
  res
    .header('cache-control', cacheControl)
    .header('etag', asset.etag)
    .header('x-content-type-options', 'nosniff');
  if (req.headers['if-none-match'] === asset.etag) return res.code(304).send();
  return res.type(asset.type).send(asset.body);
}

/** The shell with its asset URLs pointing at this build's versioned folder. */
function shellOf(assets: AssetSet): Asset {
  const template = assets.files.get('index.html');
  if (!template) throw new Error('explorer web assets: index.html missing');
  const body = Buffer.from(
    template.body.toString('utf8').replaceAll('%ASSETS%', `/static/${assets.version}`),
  );
  return { body, type: template.type, etag: `"${assets.version}"` };
}

export function registerWeb(app: FastifyInstance, assets: AssetSet = loadAssets()): void {
  const shell = shellOf(assets);
  const page = async (req: FastifyRequest, res: FastifyReply) => {
    res
      .header('content-security-policy', CSP)
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY');
    // Revalidated on every visit (cheap with the ETag) so a new build is picked up at once.
    return send(req, res, shell, 'no-cache');
  };
  for (const path of PAGE_PATHS) app.get(path, page);

  app.get<{ Params: { version: string; '*': string } }>('/static/:version/*', async (req, res) => {
    const asset = assets.files.get(req.params['*']);
    if (!asset || req.params['*'] === 'index.html') {
      return res.code(404).type('text/plain; charset=utf-8').send('not found');
    }
    // A page from an older build may still ask for its version: serve today's file, uncached.
    const current = req.params.version === assets.version;
    return send(req, res, asset, current ? IMMUTABLE : 'no-cache');
  });

  const icon = assets.files.get('favicon.svg');
  if (icon) app.get('/favicon.ico', async (req, res) => send(req, res, icon, 'public, max-age=86400'));
}
