/** All keys of one coupon share the hash tag {coupon:<id>}, so one script can touch them all, on Redis Cluster too. */
export function gateKeys(couponId: string) {
  const tag = `dibs:{coupon:${couponId}}`;
  return {
    meta: `${tag}:meta`,
    holdings: `${tag}:holdings`,
    decisions: `${tag}:decisions`,
    /** While set, nothing is decided for the coupon: a repair is rebuilding its state. */
    fence: `${tag}:fence`,
  };
}

/** Where a rebuild of generation `epoch` writes the coupon's state before it is installed in place of the live one. */
export function stagedGateKeys(couponId: string, epoch: number) {
  const staged = `dibs:{coupon:${couponId}}:staged:${epoch}`;
  return { meta: `${staged}:meta`, holdings: `${staged}:holdings`, decisions: `${staged}:decisions` };
}
