/**
 * The console's server side (README, "Console"): sign-in, sign-out, the current session, and
 * `POST /console/api/action`, which runs the same action handlers as the Tencent API with the
 * signed-in admin's account instead of a TC3 signature. Plus the built app and the browser
 * redirect from `/`.
 *
 * Protection of state-changing calls: the session cookie is SameSite=Strict and HttpOnly, and
 * every call after sign-in must also carry the session's CSRF token in X-CSRF-Token (the app
 * keeps it in memory, from the sign-in answer or GET /console/api/session).
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { hashPassword, verifyPassword } from '../accounts/password.js';
import { answerAction, sendEnvelope, type ApiDeps } from '../api/dispatch.js';
import { findAdmin } from '../store/admins.js';
import { SESSION_COOKIE, readCookie, sessionCookie } from './cookies.js';
import { LoginThrottle } from './login-throttle.js';
import { SessionStore, type Session } from './sessions.js';
import { registerConsoleStatic } from './static.js';

const loginBody = z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024) });
const actionBody = z.strictObject({ Action: z.string().max(64), Params: z.record(z.string(), z.unknown()).default({}) });

function refuse(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').send({ Error: { Code: code, Message: message } });
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function registerConsole(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const sessions = new SessionStore();
  const throttle = new LoginThrottle();
  const log = deps.log.child({ part: 'console' });
  // Compared against when the username is unknown, so that a wrong username takes as long as a
  // wrong password and does not reveal which admins exist.
  const decoyHash = hashPassword(randomUUID());

  const currentSession = (request: FastifyRequest): Session | undefined =>
    sessions.touch(readCookie(request.headers.cookie, SESSION_COOKIE));

  /** The session of a state-changing call, or undefined after answering 401/403. */
  function requireSession(request: FastifyRequest, reply: FastifyReply): Session | undefined {
    const session = currentSession(request);
    if (!session) {
      void refuse(reply, 401, 'SessionExpired', 'You are not signed in, or your session has expired. Sign in again.');
      return undefined;
    }
    const token = request.headers['x-csrf-token'];
    if (typeof token !== 'string' || !sameToken(token, session.csrfToken)) {
      void refuse(reply, 403, 'CsrfTokenInvalid', 'The request is missing its CSRF token. Reload the page and try again.');
      return undefined;
    }
    return session;
  }

  const sessionInfo = (session: Session) => ({
    username: session.username,
    appId: session.appId,
    csrfToken: session.csrfToken,
    idleTimeoutSec: Math.round(sessions.idleMs / 1000),
  });

  app.post('/console/api/login', async (request, reply) => {
    const parsed = loginBody.safeParse(request.body);
    if (!parsed.success) return refuse(reply, 400, 'InvalidParameter', 'Enter a username and a password.');
    const { username, password } = parsed.data;
    // request.ip is the peer's address, or behind a --trust-proxy proxy the client it forwarded for.
    const throttleKey = `${request.ip}|${username}`;
    const waitMs = throttle.retryAfterMs(throttleKey);
    if (waitMs > 0) {
      const waitSec = Math.ceil(waitMs / 1000);
      log.warn({ username, ip: request.ip }, 'console sign-in throttled');
      reply.header('retry-after', String(waitSec));
      return refuse(reply, 429, 'TooManyAttempts', `Too many failed sign-ins. Try again in ${Math.ceil(waitSec / 60)} minute(s).`);
    }
    const admin = await findAdmin(deps.db, username);
    const ok = await verifyPassword(password, admin?.password_hash ?? (await decoyHash));
    if (!admin || !ok) {
      throttle.failed(throttleKey);
      log.warn({ username, ip: request.ip }, 'console sign-in refused');
      return refuse(reply, 401, 'LoginFailed', 'Wrong username or password.');
    }
    throttle.succeeded(throttleKey);
    const session = sessions.create({ username: admin.username, appId: Number(admin.app_id) });
    log.info({ username, ip: request.ip }, 'console sign-in');
    reply.header('set-cookie', sessionCookie(session.id, { maxAgeSec: Math.round(sessions.maxAgeMs / 1000), secure: request.protocol === 'https' }));
    return reply.header('cache-control', 'no-store').send(sessionInfo(session));
  });

  app.post('/console/api/logout', async (request, reply) => {
    const session = requireSession(request, reply);
    if (!session) return reply;
    sessions.delete(session.id);
    reply.header('set-cookie', sessionCookie('', { maxAgeSec: 0, secure: request.protocol === 'https' }));
    return reply.header('cache-control', 'no-store').send({});
  });

  app.get('/console/api/session', async (request, reply) => {
    const session = currentSession(request);
    if (!session) return refuse(reply, 401, 'SessionExpired', 'You are not signed in.');
    return reply.header('cache-control', 'no-store').send(sessionInfo(session));
  });

  app.post('/console/api/action', async (request, reply) => {
    const session = requireSession(request, reply);
    if (!session) return reply;
    const parsed = actionBody.safeParse(request.body);
    if (!parsed.success) return refuse(reply, 400, 'InvalidParameter', 'The body must be {"Action": string, "Params": object}.');
    const response = await answerAction(deps, {
      action: parsed.data.Action,
      requestId: randomUUID(),
      prepare: async () => ({ appId: session.appId, params: parsed.data.Params }),
    });
    reply.header('cache-control', 'no-store');
    return sendEnvelope(reply, response);
  });

  await registerConsoleStatic(app);
}
