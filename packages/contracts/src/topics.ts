/** Issue requests, from the API to the issuer: see issue-request-message.ts. */
export const ISSUE_REQUEST_TOPIC = "coupon-issue-request";
/** What the issuer cannot decide, parked with the headers of dead-letter-headers.ts. */
export const DEAD_LETTER_TOPIC = "coupon-issue-request.DLT";
