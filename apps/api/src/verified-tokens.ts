/** What a verified token says about its bearer, and until when (`exp`, in ms) it may be believed. */
export interface VerifiedToken<T> {
  claims: T;
  expiresAtMs: number;
}

/**
 * Tokens already verified, keyed by the token itself: the same string carries the same signature, so it need not
 * be checked again until it expires. Users of a flash sale press again and again; an exact-string lookup costs about
 * a microsecond where verifying costs tens (fast-jwt's own cache keys on a SHA-256 of the token, which costs what the
 * HS256 check does). The oldest entry makes room when the cache is full.
 */
export class VerifiedTokens<T> {
  private readonly entries = new Map<string, VerifiedToken<T>>();

  private readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get(token: string, nowMs: number): T | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (entry.expiresAtMs > nowMs) return entry.claims;
    this.entries.delete(token);
    return undefined;
  }

  keep(token: string, claims: T, expiresAtMs: number): void {
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { claims, expiresAtMs });
  }
}
