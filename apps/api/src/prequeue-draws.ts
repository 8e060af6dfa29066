import { DRAW_SLACK_MS, partitionRefusal } from "@dibs/domain";
import type { Logger } from "pino";
import type { ApiDeps } from "./ports.ts";

const EVERY_MS = 1_000;

/**
 * Draws each pre-queue as soon as it may be: its start is past by the answer deadline (every entry made before it has
 * had its answer) and the issuers have recorded its partition up to its end. Every API instance looks once a second;
 * the coupon's row lock and its prequeueDrawnAt make the draw happen once.
 */
export class PrequeueDraws {
  private readonly timer: NodeJS.Timeout;
  private running = false;

  private readonly deps: Pick<ApiDeps, "admin" | "operations" | "changes" | "catalog">;
  private readonly answerDeadlineMs: number;
  private readonly log: Logger;

  constructor(deps: Pick<ApiDeps, "admin" | "operations" | "changes" | "catalog">, answerDeadlineMs: number, log: Logger) {
    this.deps = deps;
    this.answerDeadlineMs = answerDeadlineMs;
    this.log = log;
    this.timer = setInterval(() => void this.drawDue(), EVERY_MS).unref();
  }

  close(): void {
    clearInterval(this.timer);
  }

  /** Draws every pre-queue due now whose entries are all recorded; the rest wait for a later turn. */
  async drawDue(now = new Date()): Promise<string[]> {
    if (this.running) return [];
    this.running = true;
    const drawn: string[] = [];
    try {
      for (const couponId of await this.deps.admin.duePrequeues(now, this.answerDeadlineMs + DRAW_SLACK_MS)) {
        const behind = partitionRefusal(await this.deps.operations.entryProgress(couponId));
        if (behind) continue;
        const view = await this.deps.admin.drawPrequeue(couponId, now);
        if (!view) continue;
        drawn.push(couponId);
        // The gate has not seen these decisions: built again from Postgres, it agrees before anything more is decided.
        await this.deps.operations.rebuildGate(couponId);
        this.deps.catalog.forget(couponId);
        await this.deps.changes.announce(couponId).catch(() => undefined);
        this.log.info({ couponId, entrants: view.entrants.length }, "pre-queue drawn: its entries are decided in the drawn order");
      }
    } catch (error) {
      this.log.warn({ err: error }, "drawing a pre-queue failed; it is tried again in a second");
    } finally {
      this.running = false;
    }
    return drawn;
  }
}
