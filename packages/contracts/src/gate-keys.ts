/** All keys of one coupon share the hash tag {coupon:<id>}, so one script can touch them all, on Redis Cluster too. */
export function gateKeys(couponId: string) {
  const tag = `dibs:{coupon:${couponId}}`;
  return {
    meta: `${tag}:meta`,
    holdings: `${tag}:holdings`,
    decisions: `${tag}:decisions`,
    /** While set, nothing is decided for the coupon: a repair is rebuilding its state. */
    fence: `${tag}:fence`,
    /** The coupon's line: each pending request's position (a sorted set), until Postgres has decided it. */
    line: `${tag}:line`,
    /** How many positions the line has given out. */
    joined: `${tag}:joined`,
  };
}

/** Which coupon's line a pending request stands in: its status names only the request. */
export function queuedRequestKey(requestId: string): string {
  return `dibs:queued:${requestId}`;
}

/** Where a rebuild of generation `epoch` writes the coupon's state before it is installed in place of the live one. */
export function stagedGateKeys(couponId: string, epoch: number) {
  const staged = `dibs:{coupon:${couponId}}:staged:${epoch}`;
  return { meta: `${staged}:meta`, holdings: `${staged}:holdings`, decisions: `${staged}:decisions` };
}
