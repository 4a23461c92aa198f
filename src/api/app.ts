import { randomUUID } from 'node:crypto';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono } from 'hono';
import { ApiError } from '../core/errors.js';
import { agentRoutes } from './agents.js';
import { authenticate } from './auth.js';
import type { ApiDeps } from './context.js';
import { credentialRoutes } from './credentials.js';
import { environmentRoutes } from './environments.js';
import { errorResponse } from './errorResponse.js';
import { eventRoutes } from './events.js';
import { idempotency } from './idempotency.js';
import { type BodyVariables, readRequestBody } from './requestBody.js';
import { sessionRoutes } from './sessions.js';
import { vaultRoutes } from './vaults.js';

export type AppEnv = { Variables: { requestId: string } & BodyVariables };

/** The Managed Agents HTTP surface over the ports. `ready()` gates `/healthz`. */
export function createApp(deps: ApiDeps, ready: () => boolean = () => true): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use('*', async (c, next) => {
    const requestId = `req_${randomUUID().replaceAll('-', '')}`;
    c.set('requestId', requestId);
    // Set before the handler builds its response: a header added to a finished response makes
    // Hono rebuild it around a web stream (~1 ms per JSON answer, on the time-to-first-token path).
    c.header('request-id', requestId);
    await next();
    // A stream written straight to the socket has sent its headers (request-id included); a
    // response built outside the context (an idempotent replay) gets it here.
    if (c.res !== RESPONSE_ALREADY_SENT && !c.res.headers.has('request-id')) c.res.headers.set('request-id', requestId);
  });

  app.onError((error, c) =>
    errorResponse(error, c.get('requestId') ?? 'req_unknown', (bug) =>
      deps.logger.error({ err: bug, path: c.req.path }, 'unhandled error'),
    ),
  );
  app.notFound((c) => {
    throw new ApiError(404, 'not_found_error', `No route for ${c.req.method} ${c.req.path}.`);
  });

  app.get('/healthz', (c) => {
    if (!ready()) return c.json({ status: 'starting' }, 503);
    const brain = deps.brainHealth?.();
    if (brain && !brain.ok) return c.json({ status: 'degraded', brain }, 503);
    return c.json({ status: 'ok', ...(brain ? { brain } : {}) });
  });

  app.use('/v1/*', async (c, next) => {
    authenticate(c.req.raw.headers, deps.apiKeys);
    await next();
  });
  app.use('/v1/*', readRequestBody(deps.maxBodyBytes));
  app.use('/v1/*', idempotency(deps.idempotency, deps.apiKeys[0] ?? 'bosun'));

  app.route('/v1/agents', agentRoutes(deps));
  app.route('/v1/environments', environmentRoutes(deps));
  app.route('/v1/sessions', sessionRoutes(deps));
  app.route('/v1/sessions', eventRoutes(deps));
  app.route('/v1/vaults/:vault_id/credentials', credentialRoutes(deps));
  app.route('/v1/vaults', vaultRoutes(deps));
  return app;
}
