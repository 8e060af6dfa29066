import type { Coupon } from "./coupon.ts";
import { DomainError } from "./errors.ts";

/**
 * Slack on top of the publishers' answer deadline: their sweep of overdue requests runs up to 100 ms late, and the
 * API host that stamped an entry's acceptance and the one that draws do not share a clock.
 */
export const DRAW_SLACK_MS = 1_000;

/** Where the issuers stand on the one partition that carries a coupon's requests. */
export interface EntryProgress {
  partition: number;
  /** The issuer group's committed offset: every request below it is recorded in Postgres. */
  committed: number;
  /** The partition's end offset, read once every entry accepted before the lottery's end had its answer. */
  target: number;
}

/** Whether `coupon` is a lottery that has ended at `at`: the draw's first condition, checked again under its row lock. */
export function lotteryEndRefusal(coupon: Pick<Coupon, "mode" | "endsAt">, at: Date): DomainError | null {
  if (coupon.mode !== "LOTTERY") return new DomainError("INVALID_COUPON", "Only a lottery has a draw");
  if (!coupon.endsAt || coupon.endsAt > at) return new DomainError("COUPON_NOT_ENDED", "Close the lottery (or wait for its end) before the draw");
  return null;
}

/**
 * Whether the draw may look for the lottery's entries at `at`. Every API instance answers a request within
 * `answerDeadlineMs` of accepting it: Kafka acknowledged it, or the API answered 503 and will not send it. Before the
 * end plus that deadline, an entry its owner is about to be told was taken may still wait in a publisher's queue.
 */
export function drawWindowRefusal(coupon: Pick<Coupon, "mode" | "endsAt">, answerDeadlineMs: number, at: Date): DomainError | null {
  const notEnded = lotteryEndRefusal(coupon, at);
  if (notEnded) return notEnded;
  const settledAt = coupon.endsAt!.getTime() + answerDeadlineMs + DRAW_SLACK_MS;
  if (at.getTime() >= settledAt) return null;
  return entriesInFlight(
    `Entries accepted before the end (${coupon.endsAt!.toISOString()}) may still be waiting for Kafka's acknowledgement ` +
      `until ${new Date(settledAt).toISOString()}: draw again then`,
    settledAt - at.getTime(),
  );
}

/** Whether the issuers have recorded every request of the coupon's partition up to the target. */
export function partitionRefusal(progress: EntryProgress): DomainError | null {
  const behind = progress.target - progress.committed;
  if (behind <= 0) return null;
  return entriesInFlight(
    `The issuers have recorded partition ${progress.partition} of the request topic up to offset ${progress.committed}, ` +
      `not yet to ${progress.target}: ${behind} requests there, this lottery's entries perhaps among them, are still on their way to Postgres`,
    1_000,
  );
}

function entriesInFlight(message: string, waitMs: number): DomainError {
  return new DomainError("ENTRIES_IN_FLIGHT", message, { retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1_000)) });
}
