import type { IncomingMessage, ServerResponse } from 'node:http';
import { API_PREFIX, CONTROL_PREFIX } from './constants.ts';
import type { AccountModel } from './account-model.ts';
import { CfApiError, Errors } from './errors.ts';
import { envelopeErr, envelopeOk, readRaw, sendJson, sleep } from './http.ts';
import type { OpenApiModule, OpenApiOperation } from './openapi-hook.ts';
import { Ctx, Router, type Reply, type RouteDef } from './api-routes.ts';
import type { TokenRecord } from './state.ts';
import { identityRoutes } from './handlers/identity.ts';
import { dnsRoutes } from './handlers/dns.ts';
import { kvNamespaceRoutes } from './handlers/kv-namespaces.ts';
import { kvValueRoutes } from './handlers/kv-values.ts';
import { pagesRoutes } from './handlers/pages.ts';
import { pagesDomainRoutes } from './handlers/pages-domains.ts';
import { workersRouteRoutes } from './handlers/workers-routes.ts';
import { workersScriptRoutes } from './handlers/workers-scripts.ts';
import { workersVersionRoutes } from './handlers/workers-versions.ts';
import { workersDeployRoutes } from './handlers/workers-deploys.ts';
import { workersDomainRoutes } from './handlers/workers-domains.ts';

export function buildRouter(): Router {
  const router = new Router();
  router.add(...identityRoutes, ...dnsRoutes, ...kvNamespaceRoutes, ...kvValueRoutes, ...pagesRoutes, ...pagesDomainRoutes, ...workersScriptRoutes, ...workersVersionRoutes, ...workersDeployRoutes, ...workersRouteRoutes, ...workersDomainRoutes);
  return router;
}

export type ControlHandler = (req: IncomingMessage, res: ServerResponse, path: string, raw: Buffer) => Promise<void>;

/**
 * The API request pipeline, in this order:
 *   scripted fault → authentication → rate limit → route/operation lookup → permission check →
 *   request validation → handler → mutation log.
 */
export class ApiServer {
  readonly router = buildRouter();
  /** Responses held open by `hang` faults (ended when the emulator stops). */
  readonly hung = new Set<ServerResponse>();

  constructor(
    private readonly account: AccountModel,
    private readonly openapi: OpenApiModule | undefined,
    private readonly control: ControlHandler,
  ) {}

  handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      await this.dispatch(req, res);
    } catch (err) {
      const e = err instanceof CfApiError ? err : new CfApiError(500, { code: 10000, message: `Internal error: ${String(err)}` });
      sendJson(res, e.status, envelopeErr(e.errors), e.headers);
    }
  };

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const raw = await readRaw(req);
    if (url.pathname === CONTROL_PREFIX || url.pathname.startsWith(`${CONTROL_PREFIX}/`)) {
      await this.control(req, res, url.pathname.slice(CONTROL_PREFIX.length) || '/', raw);
      return;
    }
    if (!url.pathname.startsWith(API_PREFIX)) {
      sendJson(res, 404, envelopeErr(Errors.noRoute().errors));
      return;
    }
    const path = url.pathname.slice(API_PREFIX.length) || '/';
    const method = (req.method ?? 'GET').toUpperCase();
    const match = this.router.match(method, path);
    const route = match && 'def' in match ? match : undefined;
    let op: OpenApiOperation | undefined;
    try {
      op = this.openapi?.findOperation(method, path);
    } catch {
      op = undefined;
    }
    const def: RouteDef | undefined = route?.def;
    const mutates = def ? (def.mutates ?? method !== 'GET') : method !== 'GET' && method !== 'HEAD';
    const operation = def?.operation ?? op?.operationId ?? 'unknown';
    const contentType = String(req.headers['content-type'] ?? '');

    let token: TokenRecord | undefined;
    const extraHeaders: Record<string, string> = {};
    const finish = (status: number, body: unknown, headers: Record<string, string> = {}, outcome?: 'fault') => {
      sendJson(res, status, body, { ...extraHeaders, ...headers });
      this.record(method, path, operation, raw.length, status, body, token, mutates, outcome);
    };

    // 1. Scripted faults.
    const fault = this.account.faults.take({
      method,
      path,
      template: def?.template ?? op?.template,
      operation: def?.operation,
      operationId: op?.operationId,
      // Decoded only for a rule that looks at it: uploads make large bodies, and most requests meet no rule.
      body: () => raw.toString('utf8'),
    });
    if (fault) {
      if (fault.latencyMs) await sleep(fault.latencyMs);
      if (fault.hang) {
        this.hung.add(res);
        res.on('close', () => this.hung.delete(res));
        this.record(method, path, operation, raw.length, 0, null, undefined, mutates, 'fault');
        return;
      }
      if (fault.reset) {
        this.record(method, path, operation, raw.length, 0, null, undefined, mutates, 'fault');
        req.socket.destroy();
        return;
      }
      if (fault.status) {
        const code = fault.code ?? (fault.status === 429 ? 971 : 10013);
        const message =
          fault.message ??
          (fault.status === 429
            ? 'Please wait and consider throttling your request speed'
            : // Source: cloudflare/workers-sdk#11412 (500 with 10013 "An unknown error has occurred…").
              'An unknown error has occurred. If this error persists, please file a report in workers-sdk (https://github.com/cloudflare/workers-sdk/issues) or reach out to your account team.');
        const headers: Record<string, string> = {};
        if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
        finish(fault.status, envelopeErr([{ code, message }]), headers, 'fault');
        return;
      }
    }

    try {
      // 2. Authentication (API token, or the Pages upload JWT for the asset endpoints).
      let jwtProject: string | undefined;
      const auth = req.headers.authorization;
      if (def?.auth === 'jwt') {
        const m = /^Bearer\s+(\S+)$/i.exec(auth ?? '');
        if (!m) throw Errors.pagesUploadUnauthorized();
        jwtProject = this.account.verifyUploadJwt(m[1]!).projectName;
      } else if (def?.auth === 'assets-jwt') {
        // The Workers assets upload: its handler opens the upload session the bearer JWT names (workers/assets.ts).
      } else {
        token = this.authenticate(req);
        this.account.observe.countToken(token.name);
        // 3. Rate limit, per token.
        const rl = this.account.rateLimiter.hit(token.id, this.account.now());
        Object.assign(extraHeaders, rl.headers);
        if (!rl.allowed) throw Errors.rateLimited();
      }

      // 4. Route / operation.
      if (!def) {
        if (match && 'methodMismatch' in match) throw Errors.methodNotAllowed();
        throw Errors.noRoute();
      }

      // 5. Permissions: the operation's groups from the schema when known, else the route table's.
      const needed = op?.permissionGroups ?? def.permissions;
      if (token && !this.account.tokenAllows(token, needed)) throw Errors.missingPermission();

      // 6. Request validation against the schema (nothing is changed when it fails).
      if (op && this.openapi) {
        const body = await this.bodyForValidation(raw, contentType);
        let issues: Array<{ field: string; message: string }> = [];
        try {
          issues = this.openapi
            .validateRequest(op, { query: url.searchParams, body, contentType, pathParams: op.pathParams })
            // Path identifiers are resolved by the handlers, which answer as the API does for a wrong one
            // (404 / 7003, or the KV key-length error): the schema's generic `maxLength: 32` identifier
            // would refuse real ids such as Pages deployment UUIDs.
            .filter((i) => !i.field.startsWith('path.'));
        } catch (err) {
          // A validator failure must not take the API down: note it and let the handler decide.
          console.warn(`cf-local: request validator failed for ${op.operationId}: ${String(err)}`);
        }
        if (issues.length > 0) {
          throw new CfApiError(
            400,
            issues.map((i) => ({ code: 1004, message: `${i.field}: ${i.message}` })),
          );
        }
      }

      // 7. Handler.
      const ctx = new Ctx(this.account, method, path, route!.params, url.searchParams, req.headers, raw, contentType, token, jwtProject);
      const reply: Reply = await def.handler(ctx);
      if ('raw' in reply) {
        if (!res.headersSent) {
          res.writeHead(reply.raw.status, { ...extraHeaders, ...reply.raw.headers });
          res.end(method === 'HEAD' ? undefined : reply.raw.body);
        }
        this.record(method, path, operation, raw.length, reply.raw.status, null, token, mutates);
        return;
      }
      const extra: { result_info?: unknown; messages?: NonNullable<typeof reply.messages> } = {};
      if (reply.result_info !== undefined) extra.result_info = reply.result_info;
      if (reply.messages) extra.messages = reply.messages;
      finish(reply.status ?? 200, envelopeOk(reply.result, extra));
    } catch (err) {
      const e = err instanceof CfApiError ? err : new CfApiError(500, { code: 10000, message: `Internal error: ${err instanceof Error ? err.message : String(err)}` });
      if (!(err instanceof CfApiError)) console.error('cf-local: handler error', err);
      finish(e.status, envelopeErr(e.errors), e.headers);
    }
  }

  private authenticate(req: IncomingMessage): TokenRecord {
    const auth = req.headers.authorization;
    if (auth === undefined || auth === '') {
      if (req.headers['x-auth-key'] || req.headers['x-auth-email']) {
        // Global API keys are not emulated: only tokens exist here.
        throw new CfApiError(403, { code: 9103, message: 'Unknown X-Auth-Key or X-Auth-Email' });
      }
      throw Errors.missingAuth();
    }
    const m = /^Bearer\s+([^\s]+)$/i.exec(auth);
    if (!m) throw Errors.badAuthHeader();
    const token = this.account.findToken(m[1]!);
    if (!token || this.account.tokenStatus(token) !== 'active') throw Errors.invalidToken();
    return token;
  }

  private async bodyForValidation(raw: Buffer, contentType: string): Promise<unknown> {
    if (raw.length === 0) return undefined;
    if (/json/i.test(contentType)) {
      try {
        return JSON.parse(raw.toString('utf8'));
      } catch {
        throw Errors.malformedJson();
      }
    }
    if (/^multipart\/form-data|^application\/x-www-form-urlencoded/i.test(contentType)) {
      const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
      const out: Record<string, unknown> = {};
      for (const [k, v] of form.entries()) out[k] = typeof v === 'string' ? v : { name: (v as File).name, size: v.size, type: v.type };
      return out;
    }
    return raw;
  }

  private record(method: string, path: string, operation: string, requestBytes: number, status: number, body: unknown, token: TokenRecord | undefined, mutates: boolean, outcome?: 'fault'): void {
    const code = (body as { errors?: Array<{ code: number }> } | null)?.errors?.[0]?.code;
    this.account.observe.logRequest({ method, path, operation, status, requestBytes, ...(token ? { token: token.name } : {}) });
    if (!mutates) return;
    this.account.observe.logMutation({
      method,
      path,
      operation,
      status,
      outcome: outcome ?? (status >= 200 && status < 300 ? 'applied' : 'rejected'),
      ...(code !== undefined ? { errorCode: code } : {}),
      ...(token ? { token: token.name } : {}),
    });
  }
}
