/**
 * GET /anchors/:id: a file anchored on the ledger, by its 64-hex id. The anchoring work fills
 * this in; until then every well-formed id is unknown (404) and a malformed one a 400.
 */
import type { FastifyInstance } from 'fastify';
import { notFound } from '../errors.js';
import { errorSchema, hashParam } from '../schemas.js';
import type { RouteContext } from './context.js';

export function registerAnchorRoutes(app: FastifyInstance, _ctx: RouteContext): void {
  app.get(
    '/anchors/:id',
    {
      schema: {
        tags: ['anchors'],
        summary: 'An anchored file (not built yet: always 404)',
        params: hashParam('id', 'anchor id'),
        response: { 400: errorSchema, 404: errorSchema },
      },
    },
    async () => {
      throw notFound('anchor');
    },
  );
}
