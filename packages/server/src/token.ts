/**
 * Who calls: bearer tokens (JWTs) verified with `jose`, and static API keys.
 *
 * Tokens come from one or more issuers the server is configured with:
 * - `{ secret }`: HS256 tokens signed with a shared secret, e.g. by `mintToken` in the app's
 *   backend (for apps without an identity provider);
 * - `{ jwksUrl }`: tokens of the app's identity provider (RS256, ES256, PS256, EdDSA…), checked
 *   against its JWKS endpoint (keys fetched, cached and refreshed by `jose`).
 * Each may require `issuer` and `audience`. Every token must carry `sub` and `exp`; expired,
 * not-yet-valid (`nbf`), wrong-audience, wrong-issuer, unsigned (`alg: none`) or badly signed
 * tokens are refused.
 *
 * The caller's identity is the task owner (see `ownerOf`): a token's `sub`, scoped by its `iss`
 * when it has one, or an API key's name.
 */
import { createHash, createHmac } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';

/** What a token says. `sub` names the caller (tasks are owned, and rate-limited, per `sub`). */
export interface TokenClaims {
  /** The caller: a user or app id. */
  sub: string;
  /** Expiry, seconds since the epoch. @default now + 300 */
  exp?: number;
  /** Issued at, seconds since the epoch. @default now */
  iat?: number;
  [claim: string]: unknown;
}

/** One issuer of tokens the server accepts. */
export type TokenIssuer = ({ secret: string; jwksUrl?: undefined } | { jwksUrl: string; secret?: undefined }) & {
  /** Required `iss` claim (one of these). */
  issuer?: string | string[];
  /** Required `aud` claim (one of these). */
  audience?: string | string[];
};

/** The verified claims of a token. */
export type VerifiedClaims = JWTPayload & { sub: string; exp: number };

function b64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

const HEADER = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

/**
 * Mints an HS256 token the server accepts until `exp` (default: five minutes from now), for apps
 * without an identity provider. Synchronous (jose's `SignJWT` is async), so it is written here: a
 * header, the claims and an HMAC-SHA256; the server verifies it with jose like any other token.
 * @example const token = mintToken(process.env.TASKWEAVE_SECRET!, { sub: user.id })
 */
export function mintToken(secret: string, claims: TokenClaims, now: number = Date.now()): string {
  const iat = claims.iat ?? Math.floor(now / 1000);
  const body = `${HEADER}.${b64url(JSON.stringify({ ...claims, iat, exp: claims.exp ?? iat + 300 }))}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

interface Verifier {
  symmetric: boolean;
  key: Uint8Array | JWTVerifyGetKey;
  issuer: TokenIssuer;
}

/** Verifies bearer tokens against the configured issuers. */
export class TokenVerifier {
  readonly #verifiers: Verifier[];

  constructor(issuers: readonly TokenIssuer[]) {
    this.#verifiers = issuers.map((issuer) =>
      issuer.secret !== undefined
        ? { symmetric: true, key: new TextEncoder().encode(issuer.secret), issuer }
        : { symmetric: false, key: createRemoteJWKSet(new URL(issuer.jwksUrl)), issuer },
    );
  }

  get size(): number {
    return this.#verifiers.length;
  }

  /** The claims of a valid token, or `undefined` (any reason: the caller answers 401 alike). */
  async verify(token: string, now: number = Date.now()): Promise<VerifiedClaims | undefined> {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      return undefined;
    }
    if (alg === undefined || alg === 'none') return undefined;
    const symmetric = alg.startsWith('HS');
    for (const v of this.#verifiers) {
      if (v.symmetric !== symmetric) continue;
      try {
        const options = {
          algorithms: symmetric ? ['HS256', 'HS384', 'HS512'] : ASYMMETRIC,
          requiredClaims: ['sub', 'exp'],
          currentDate: new Date(now),
          ...(v.issuer.issuer === undefined ? {} : { issuer: v.issuer.issuer }),
          ...(v.issuer.audience === undefined ? {} : { audience: v.issuer.audience }),
        };
        const { payload } =
          v.key instanceof Uint8Array ? await jwtVerify(token, v.key, options) : await jwtVerify(token, v.key, options);
        if (typeof payload.sub !== 'string' || payload.sub === '' || typeof payload.exp !== 'number') continue;
        return payload as VerifiedClaims;
      } catch {
        // Not this issuer's (or not valid): try the next.
      }
    }
    return undefined;
  }
}

/**
 * The claims of a valid, unexpired HS256 token signed with `secret`, or `undefined`.
 * Shorthand for `new TokenVerifier([{ secret }]).verify(token)`.
 */
export function verifyToken(secret: string, token: string, now: number = Date.now()): Promise<VerifiedClaims | undefined> {
  return new TokenVerifier([{ secret }]).verify(token, now);
}

/**
 * The owner of what a token's caller submits: `user:<sub>`, or `user:<iss>#<sub>` for a token
 * with an `iss` claim (so two identity providers' users never share tasks).
 */
export function ownerOfClaims(claims: VerifiedClaims): string {
  return typeof claims.iss === 'string' && claims.iss !== '' ? `user:${claims.iss}#${claims.sub}` : `user:${claims.sub}`;
}

/**
 * The owner of what an API key's caller submits: `key:<name>` for named keys
 * (`apiKeys: { name: key }`), or `key:<first 16 hex digits of the key's SHA-256>` for keys given as
 * a list (the key itself is never stored).
 */
export function ownerOfKey(key: string, name?: string): string {
  return name !== undefined ? `key:${name}` : `key:${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}
