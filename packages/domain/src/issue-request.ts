/** A user's request for a coupon, as the API accepted it. `acceptedAt` is the time that counts. */
export interface IssueRequest {
  requestId: string;
  couponId: string;
  userId: string;
  acceptedAt: Date;
}
