/** The explorer web page at / (not built yet: only the API answers). */
import type { FastifyInstance } from 'fastify';

export function registerWeb(_app: FastifyInstance): void {}
