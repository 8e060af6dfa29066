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
