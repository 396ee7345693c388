/**
 * Tokens of the app's own identity provider: a JWKS endpoint on 127.0.0.1 serving an ES256 key
 * (as an IdP publishes it), verified by jose with a required issuer and audience; and the HS256
 * tokens of `mintToken` beside it. Every bad token is a 401 and enqueues nothing.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTaskweaveServer, mintToken, type TaskweaveServer } from '../src/index.js';
import { client, jobTotal } from './fixtures/client.js';
import { startRedis, type TestRedis } from '../../../scripts/testRedis.mjs';

const SECRET = 'tokens-secret-0123456789';
const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'taskweave-api';

let redis: TestRedis;
let server: TaskweaveServer;
let base: string;
let idp: Server;
let jwksRequests = 0;
type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let signingKey: Key;
let otherKey: Key;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  signingKey = pair.privateKey;
  otherKey = (await generateKeyPair('ES256')).privateKey;
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'ES256', use: 'sig' };
  idp = createServer((req, res) => {
    jwksRequests++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/.well-known/jwks.json`;
  redis = await startRedis();
  server = createTaskweaveServer({ redisUrl: redis.url, secret: SECRET, tokens: [{ jwksUrl, issuer: ISSUER, audience: AUDIENCE }] });
  base = await server.listen();
});

afterAll(async () => {
  await server?.close();
  await redis?.stop();
  await new Promise<void>((resolve) => idp?.close(() => resolve()));
});

const now = () => Math.floor(Date.now() / 1000);

function idpToken(claims: Record<string, unknown> = {}, opts: { kid?: string; key?: Key; alg?: string } = {}) {
  const { iss = ISSUER, aud = AUDIENCE, exp = now() + 300, ...rest } = claims;
  const jwt = new SignJWT({ sub: 'alice', ...rest })
    .setProtectedHeader({ alg: opts.alg ?? 'ES256', kid: opts.kid ?? 'key-1' })
    .setIssuedAt()
    .setExpirationTime(exp as number);
  if (iss !== null) jwt.setIssuer(iss as string);
  if (aud !== null) jwt.setAudience(aud as string);
  return jwt.sign(opts.key ?? signingKey);
}

const task = () => ({ id: randomUUID(), type: 'custom:echo', input: { kind: 'custom', value: 1 } });

describe("tokens of the app's identity provider (JWKS, ES256)", () => {
  it('a valid token is accepted; its keys are fetched once and cached', async () => {
    const r = await client(base, await idpToken()).submit(task());
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const again = await client(base, await idpToken({ sub: 'bob' })).submit(task());
    expect(again.status).toBe(202);
    expect(jwksRequests).toBe(1);
  });

  it('expired, not yet valid, wrong audience, wrong issuer, unknown kid, tampered, unsigned and missing-sub tokens are 401, and nothing is enqueued', async () => {
    const before = await jobTotal(server.board.queue);
    const valid = await idpToken();
    const [header, payload, signature] = valid.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    const cases: Record<string, string> = {
      expired: await idpToken({ exp: now() - 5 }),
      'not yet valid': await idpToken({ nbf: now() + 600 }),
      'wrong audience': await idpToken({ aud: 'another-api' }),
      'no audience': await idpToken({ aud: null }),
      'wrong issuer': await idpToken({ iss: 'https://evil.example/' }),
      'unknown kid': await idpToken({}, { kid: 'key-2', key: otherKey }),
      'signed by another key under the known kid': await idpToken({}, { key: otherKey }),
      'tampered claims': `${header}.${forged}.${signature}`,
      'tampered signature': `${header}.${payload}.${signature.slice(0, -4)}${signature.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`,
      'alg none': none,
      'HS256 signed with the public JWKS as secret': mintToken('{"keys":[]}', { sub: 'alice' }),
      'no sub': await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'key-1' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime(now() + 60).sign(signingKey),
      'not a JWT': 'abc.def',
    };
    for (const [what, token] of Object.entries(cases)) {
      const r = await client(base, token).submit(task());
      expect(r.status, what).toBe(401);
      expect(r.body.error.code, what).toBe('unauthorized');
    }
    expect(await jobTotal(server.board.queue)).toBe(before);
  });

  it("an identity provider's user and a mintToken user with the same sub are two owners", async () => {
    const viaIdp = client(base, await idpToken({ sub: 'carol' }));
    const viaSecret = client(base, mintToken(SECRET, { sub: 'carol' }));
    const t = task();
    expect((await viaIdp.submit(t)).status).toBe(202);
    expect((await viaIdp.get(t.id)).status).toBe(200);
    expect((await viaSecret.get(t.id)).status).toBe(404);
  });

  it('HS256 tokens of mintToken: valid accepted; expired, not yet valid, or another secret refused', async () => {
    expect((await client(base, mintToken(SECRET, { sub: 'u1' })).submit(task())).status).toBe(202);
    expect((await client(base, mintToken(SECRET, { sub: 'u1', exp: now() - 1 })).submit(task())).status).toBe(401);
    expect((await client(base, mintToken(SECRET, { sub: 'u1', nbf: now() + 600 })).submit(task())).status).toBe(401);
    expect((await client(base, mintToken('another-secret', { sub: 'u1' })).submit(task())).status).toBe(401);
  });
});
