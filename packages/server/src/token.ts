/**
 * Short-lived bearer tokens for browsers: a compact JWT (`HS256`, HMAC-SHA256 over
 * `base64url(header).base64url(claims)`), minted by the app's backend with the secret the server
 * is configured with. The server checks the signature in constant time and `exp` (seconds since
 * the epoch, required).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a token says. `sub` names the caller (the rate limit is counted per `sub`). */
export interface TokenClaims {
  /** The caller: a user or app id. */
  sub: string;
  /** Expiry, seconds since the epoch. @default now + 300 */
  exp?: number;
  /** Issued at, seconds since the epoch. @default now */
  iat?: number;
  [claim: string]: unknown;
}

const HEADER = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

function b64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

function sign(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url');
}

/**
 * Mints a token the server accepts until `exp` (default: five minutes from now).
 * @example const token = mintToken(process.env.TASKWEAVE_SECRET!, { sub: user.id })
 */
export function mintToken(secret: string, claims: TokenClaims, now: number = Date.now()): string {
  const iat = claims.iat ?? Math.floor(now / 1000);
  const body = `${HEADER}.${b64url(JSON.stringify({ ...claims, iat, exp: claims.exp ?? iat + 300 }))}`;
  return `${body}.${sign(secret, body)}`;
}

/** The claims of a valid, unexpired token, or `undefined` (bad shape, wrong signature, expired). */
export function verifyToken(secret: string, token: string, now: number = Date.now()): (TokenClaims & { exp: number }) | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [header, payload, signature] = parts as [string, string, string];
  if (header !== HEADER) return undefined;
  const expected = Buffer.from(sign(secret, `${header}.${payload}`));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (claims === null || typeof claims !== 'object') return undefined;
  const { sub, exp } = claims as { sub?: unknown; exp?: unknown };
  if (typeof sub !== 'string' || sub === '' || typeof exp !== 'number' || exp * 1000 <= now) return undefined;
  return claims as TokenClaims & { exp: number };
}
