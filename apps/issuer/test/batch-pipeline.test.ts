import type { IssueGate, IssueStore, RecordBatch } from "@dibs/domain";
import { overriding } from "@dibs/domain/testing";
import { describe, expect, it } from "vitest";
import type { PartitionBatch } from "../src/batch-pipeline.ts";
import { aBatch, aCoupon, aHold, aRequest, eventually, pipelineLab, postgresError } from "./support/pipeline-lab.ts";

/** A store that refuses, as Postgres does, any batch holding a user id with U+0000. */
function refusingNul(store: IssueStore): IssueStore {
  return withRecord(store, async (batch) => {
    if (batch.decided.some((d) => d.userId.includes("\u0000"))) throw postgresError("22021", 'invalid byte sequence for encoding "UTF8": 0x00');
    return store.record(batch);
  });
}

function withRecord(store: IssueStore, record: (batch: RecordBatch) => ReturnType<IssueStore["record"]>): IssueStore {
  return overriding(store, { record });
}

type Lab = ReturnType<typeof pipelineLab>;

const decisionOf = (lab: Lab, requestId: string) => lab.store.decisions.get(requestId);

/**
 * The partition's commits that returned are in order, each at the end of one of `batches` (the batches as recorded),
 * and the last at the last one's. A commit may cover several batches: only the newest offset goes out.
 */
function expectCommitsAt(lab: Lab, partition: number, batches: readonly PartitionBatch[]): void {
  const ends = batches.map((b) => b.nextOffset);
  const committed = lab.control.committed(partition);
  expect(committed.at(-1)).toBe(ends.at(-1));
  expect(committed).toEqual(ends.filter((end) => committed.includes(end)));
}

describe("the batch pipeline", () => {
  it("decides a partition's batches in order and commits offsets in order, each only after its batch is recorded", async () => {
    const coupon = aCoupon(3);
    const lab = pipelineLab([coupon]);
    const requests = ["a", "b", "a", "c", "d"].map((u) => aRequest(coupon.id, u));
    const batches = [aBatch(0, requests.slice(0, 2)), aBatch(0, requests.slice(2, 4)), aBatch(0, requests.slice(4))];
    for (const batch of batches) lab.pipeline.accept(batch);

    await eventually(() => lab.control.committed(0).at(-1) === batches[2]!.nextOffset);
    expectCommitsAt(lab, 0, batches);
    expect(requests.map((r) => decisionOf(lab, r.requestId)?.decision)).toEqual(["ISSUED", "ISSUED", "DUPLICATE", "ISSUED", "SOLD_OUT"]);
    expect(lab.decided).toEqual(requests.map((r) => r.requestId));
  });

  it("lets the gate drop the verdicts of a batch once Postgres has them, and answers a redelivery from Postgres", async () => {
    const coupon = aCoupon(1);
    const lab = pipelineLab([coupon]);
    const requests = [aRequest(coupon.id, "a"), aRequest(coupon.id, "b")];
    lab.pipeline.accept(aBatch(0, requests));
    await eventually(() => lab.control.commits.length === 1);
    await eventually(() => lab.gate.states.get(coupon.id)!.decisions.size === 0);
    lab.pipeline.accept(aBatch(0, requests));
    await eventually(() => lab.control.commits.length === 2);
    expect(requests.map((r) => decisionOf(lab, r.requestId)?.decision)).toEqual(["ISSUED", "SOLD_OUT"]);
    expect(lab.gate.states.get(coupon.id)).toMatchObject({ issued: 1, decisions: new Map() });
  });

  it("retries a transient failure and commits only once the batch is recorded", async () => {
    const coupon = aCoupon(5);
    let failures = 2;
    const lab = pipelineLab([coupon], {
      store: (store) =>
        withRecord(store, async (batch) => {
          if (failures-- > 0) throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
          return store.record(batch);
        }),
    });
    const batch = aBatch(0, [aRequest(coupon.id, "a")]);
    lab.pipeline.accept(batch);
    await eventually(() => lab.control.commits.length === 1);
    expect(failures).toBe(-1);
    expect(lab.store.issuedCount(coupon.id)).toBe(1);
  });

  it("keeps retrying, and never commits, while the dependencies are down; another partition goes on meanwhile", async () => {
    const stuck = aCoupon(5);
    const flowing = aCoupon(5);
    const lab = pipelineLab([stuck, flowing], {
      dependenciesAnswer: async () => false,
      store: (store) =>
        withRecord(store, async (batch) => {
          if (batch.decided.some((d) => d.couponId === stuck.id)) throw postgresError("57P01", "terminating connection due to administrator command");
          return store.record(batch);
        }),
    });
    for (let i = 0; i < 4; i++) lab.pipeline.accept(aBatch(1, [aRequest(stuck.id, `s${i}`)]));
    const others = Array.from({ length: 5 }, (_, i) => aBatch(2, [aRequest(flowing.id, `f${i}`)]));
    for (const batch of others) lab.pipeline.accept(batch);

    await eventually(() => lab.control.committed(2).at(-1) === others[4]!.nextOffset);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(lab.control.committed(1)).toEqual([]);
    expect(lab.control.calls).toContain("pause 1");
    expect(lab.store.issuedCount(flowing.id)).toBe(5);
    expect(lab.deadLetters).toEqual([]);
    await lab.pipeline.stop();
  });

  it("sets aside a request Postgres refuses: REJECTED (UNPROCESSABLE) and dead-lettered, the rest decided as if it were not there", async () => {
    const coupon = aCoupon(3);
    const lab = pipelineLab([coupon], { store: refusingNul });
    const requests = ["a", "b", "bad\u0000id", "c", "d"].map((u) => aRequest(coupon.id, u));
    const batch = aBatch(0, requests);
    lab.pipeline.accept(batch);

    await eventually(() => lab.control.commits.length === 1);
    expect(requests.map((r) => decisionOf(lab, r.requestId)?.decision)).toEqual(["ISSUED", "ISSUED", "REJECTED", "ISSUED", "SOLD_OUT"]);
    expect(decisionOf(lab, requests[2]!.requestId)).toMatchObject({ reason: "UNPROCESSABLE", userId: "bad\uFFFDid" });
    expect(lab.deadLetters).toHaveLength(1);
    expect(lab.deadLetters[0]).toMatchObject({ kind: "unprocessable", partition: 0, message: batch.messages[2]!.raw });
    expect(lab.deadLetters[0]!.reason).toMatch(/^unprocessable: .*22021/);
    const gate = lab.gate.states.get(coupon.id)!;
    expect(gate.issued).toBe(lab.store.issuedCount(coupon.id));
    expect([...gate.holdings.keys()].sort()).toEqual(["a", "b", "c"]);
    expect(lab.control.committed(0)).toEqual([batch.nextOffset]);
  });

  it("sets aside a request the gate keeps getting wrong, even after every rebuild", async () => {
    const coupon = aCoupon(5);
    const lying = (gate: IssueGate): IssueGate =>
      overriding(gate, {
        decide: async (c, requests) => {
          const decided = await gate.decide(c, requests);
          return (
            decided && {
              ...decided,
              verdicts: decided.verdicts.map((v, i) => (requests[i]!.userId === "liar" ? { decision: "ISSUED" as const, holding: 1 } : v)),
            }
          );
        },
      });
    const lab = pipelineLab([coupon], { gate: lying });
    const first = aRequest(coupon.id, "liar");
    lab.pipeline.accept(aBatch(0, [first]));
    const again = aRequest(coupon.id, "liar");
    const others = ["x", "y", "z"].map((u) => aRequest(coupon.id, u));
    lab.pipeline.accept(aBatch(0, [others[0]!, again, others[1]!, others[2]!]));

    await eventually(() => lab.control.commits.length === 2);
    expect(decisionOf(lab, first.requestId)?.decision).toBe("ISSUED");
    expect(decisionOf(lab, again.requestId)).toMatchObject({ decision: "REJECTED", reason: "UNPROCESSABLE" });
    expect(others.map((r) => decisionOf(lab, r.requestId)?.decision)).toEqual(["ISSUED", "ISSUED", "ISSUED"]);
    expect(lab.deadLetters.map((l) => l.reason)).toEqual([expect.stringMatching(/^unprocessable: Postgres kept overruling the gate/)]);
  });

  it("sets aside a request whose failure looks transient but outlasts the patience while the stores answer", async () => {
    const coupon = aCoupon(5);
    const lab = pipelineLab([coupon], {
      store: (store) =>
        withRecord(store, async (batch) => {
          if (batch.decided.some((d) => d.userId === "locked" && d.decision !== "REJECTED")) throw postgresError("55P03", "could not obtain lock on row");
          return store.record(batch);
        }),
    });
    const requests = ["a", "locked", "b"].map((u) => aRequest(coupon.id, u));
    lab.pipeline.accept(aBatch(0, requests));
    await eventually(() => lab.control.commits.length === 1);
    expect(requests.map((r) => decisionOf(lab, r.requestId)?.decision)).toEqual(["ISSUED", "REJECTED", "ISSUED"]);
    expect(lab.deadLetters[0]!.reason).toMatch(/kept failing while Kafka, Redis and Postgres answered/);
  });

  it("dead-letters unreadable messages and requests for unknown coupons, and commits past them", async () => {
    const coupon = aCoupon(5);
    const lab = pipelineLab([coupon]);
    const unknown = aRequest("no-such-coupon", "a");
    const known = aRequest(coupon.id, "b");
    const batch = aBatch(3, ["{not json", unknown, known]);
    lab.pipeline.accept(batch);
    await eventually(() => lab.control.commits.length === 1);
    expect(lab.deadLetters.map((l) => [l.kind, l.message.offset])).toEqual([
      ["poison", batch.messages[0]!.raw.offset],
      ["unknown_coupon", batch.messages[1]!.raw.offset],
    ]);
    expect(decisionOf(lab, known.requestId)?.decision).toBe("ISSUED");
  });

  it("merges what comes in while a partition's lane is busy into one batch, and does not pause the partition", async () => {
    const coupon = aCoupon(3);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const recordedSizes: number[] = [];
    const lab = pipelineLab([coupon], {
      store: (store) => withRecord(store, async (batch) => (recordedSizes.push(batch.decided.length), await held, store.record(batch))),
      settings: { waitingMessagesPerPartition: 10 },
    });
    const requests = ["a", "b", "c", "a", "d"].map((u) => aRequest(coupon.id, u));
    const batches = [aBatch(4, [requests[0]!]), aBatch(4, [requests[1]!]), aBatch(4, [requests[2]!]), aBatch(4, requests.slice(3))];
    for (const batch of batches) lab.pipeline.accept(batch);
    release();

    await eventually(() => lab.control.committed(4).at(-1) === batches[3]!.nextOffset);
    expect(lab.control.calls.filter((c) => !c.startsWith("commit"))).toEqual([]);
    expectCommitsAt(lab, 4, [batches[0]!, batches[1]!, batches[3]!]);
    expect(recordedSizes).toEqual([1, 1, 3]);
    expect(requests.map((r) => decisionOf(lab, r.requestId)?.decision)).toEqual(["ISSUED", "ISSUED", "ISSUED", "DUPLICATE", "SOLD_OUT"]);
    expect(lab.decided).toEqual(requests.map((r) => r.requestId));
  });

  it("merges into a waiting batch only while it has room, so that batches stay the size the stores were tuned for", async () => {
    const coupon = aCoupon(10);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const recordedSizes: number[] = [];
    const lab = pipelineLab([coupon], {
      store: (store) => withRecord(store, async (batch) => (recordedSizes.push(batch.decided.length), await held, store.record(batch))),
      settings: { mergedBatchMessages: 2, waitingMessagesPerPartition: 10 },
    });
    const batches = ["a", "b", "c", "d", "e"].map((user) => aBatch(10, [aRequest(coupon.id, user)]));
    for (const batch of batches) lab.pipeline.accept(batch);
    release();

    await eventually(() => lab.control.committed(10).at(-1) === batches[4]!.nextOffset);
    expectCommitsAt(lab, 10, [batches[0]!, batches[1]!, batches[3]!, batches[4]!]);
    expect(recordedSizes).toEqual([1, 1, 2, 1]);
    expect(lab.control.calls.filter((c) => !c.startsWith("commit"))).toEqual([]);
  });

  it("pauses a partition only once too many messages wait, and resumes it once they are taken in", async () => {
    const coupon = aCoupon(10);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const lab = pipelineLab([coupon], {
      store: (store) => withRecord(store, async (batch) => (await held, store.record(batch))),
      settings: { waitingMessagesPerPartition: 3 },
    });
    for (const user of ["a", "b", "c", "d"]) lab.pipeline.accept(aBatch(8, [aRequest(coupon.id, user)]));
    expect(lab.control.calls).toEqual([]);
    const last = aBatch(8, [aRequest(coupon.id, "e")]);
    lab.pipeline.accept(last);
    expect(lab.control.calls).toEqual(["pause 8"]);
    release();
    await eventually(() => lab.control.committed(8).at(-1) === last.nextOffset);
    expect(lab.control.calls.filter((c) => !c.startsWith("commit"))).toEqual(["pause 8", "resume 8"]);
    expect(lab.store.issuedCount(coupon.id)).toBe(5);
  });

  it("in a merged batch, sets aside only the request at fault and commits past it", async () => {
    const coupon = aCoupon(10);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const lab = pipelineLab([coupon], {
      store: (store) => refusingNul(withRecord(store, async (batch) => (await held, store.record(batch)))),
      settings: { waitingMessagesPerPartition: 10 },
    });
    const requests = ["a", "b", "c", "bad\u0000id", "d"].map((u) => aRequest(coupon.id, u));
    const batches = [aBatch(9, [requests[0]!]), aBatch(9, [requests[1]!]), aBatch(9, requests.slice(2, 4)), aBatch(9, [requests[4]!])];
    for (const batch of batches) lab.pipeline.accept(batch);
    release();

    await eventually(() => lab.control.committed(9).at(-1) === batches[3]!.nextOffset);
    expectCommitsAt(lab, 9, [batches[0]!, batches[1]!, batches[3]!]);
    expect(requests.map((r) => decisionOf(lab, r.requestId)?.decision)).toEqual(["ISSUED", "ISSUED", "ISSUED", "REJECTED", "ISSUED"]);
    expect(lab.deadLetters.map((l) => l.message.offset)).toEqual([batches[2]!.messages[1]!.raw.offset]);
  });

  it("after a rebalance, commits nothing of what it held before, and decides what comes again", async () => {
    const coupon = aCoupon(10);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const lab = pipelineLab([coupon], { store: (store) => withRecord(store, async (batch) => (await held, store.record(batch))) });
    const before = [aRequest(coupon.id, "a"), aRequest(coupon.id, "b")];
    lab.pipeline.accept(aBatch(5, [before[0]!]));
    lab.pipeline.accept(aBatch(5, [before[1]!]));
    lab.pipeline.restart();
    release();
    const again = aBatch(5, before);
    lab.pipeline.accept(again);
    await eventually(() => lab.control.commits.length === 1);
    expect(lab.control.committed(5)).toEqual([again.nextOffset]);
    expect(lab.store.issuedCount(coupon.id)).toBe(2);
  });

  it("rewinds the partition to a batch it could not decide, and commits nothing after it", async () => {
    const coupon = aCoupon(5);
    const lab = pipelineLab([coupon], {
      store: (store) => overriding(store, { ledgerForRebuild: async () => Promise.reject(new TypeError("a bug")) }),
    });
    const first = aBatch(6, [aRequest(coupon.id, "a")]);
    lab.pipeline.accept(first);
    lab.pipeline.accept(aBatch(6, [aRequest(coupon.id, "b")]));
    await eventually(() => lab.control.calls.some((c) => c.startsWith("rewind")));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lab.control.calls.filter((c) => c.startsWith("rewind") || c.startsWith("commit"))).toEqual([`rewind 6@${first.messages[0]!.raw.offset}`]);
  });

  it("on stop, lets the batch being recorded finish and commit, and starts nothing new", async () => {
    const coupon = aCoupon(5);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let recording = false;
    const lab = pipelineLab([coupon], {
      store: (store) => withRecord(store, async (batch) => ((recording = true), await held, store.record(batch))),
    });
    const first = aBatch(7, [aRequest(coupon.id, "a")]);
    lab.pipeline.accept(first);
    await eventually(() => recording);
    const stopped = lab.pipeline.stop();
    lab.pipeline.accept(aBatch(7, [aRequest(coupon.id, "late")]));
    release();
    await stopped;
    expect(lab.control.committed(7)).toEqual([first.nextOffset]);
    expect(lab.store.issuedCount(coupon.id)).toBe(1);
  });
});

describe("settling a recorded batch", () => {
  /** A commit hook whose first commit hangs until released; the others return at once. */
  function firstCommitHeld() {
    const hold = aHold();
    let commits = 0;
    return { ...hold, commit: async () => (++commits === 1 ? hold.held : undefined) };
  }

  it("records the next batch while the offset commit before it is out, and then commits only the newest offset", async () => {
    const coupon = aCoupon(10);
    const firstCommit = firstCommitHeld();
    const lab = pipelineLab([coupon], { commit: firstCommit.commit });
    const batches = ["a", "b", "c", "d"].map((user) => aBatch(11, [aRequest(coupon.id, user)]));
    lab.pipeline.accept(batches[0]!);
    await eventually(() => lab.control.calls.length === 1);
    for (const batch of batches.slice(1)) lab.pipeline.accept(batch);

    await eventually(() => lab.store.issuedCount(coupon.id) === 4);
    expect(lab.control.calls).toEqual([`commit 11@${batches[0]!.nextOffset}`]);
    firstCommit.release();
    await eventually(() => lab.control.committed(11).at(-1) === batches[3]!.nextOffset);
    expect(lab.control.committed(11)).toEqual([batches[0]!.nextOffset, batches[3]!.nextOffset]);
    expect(lab.control.mostCommitsOut).toBe(1);
  });

  it("commits a partition's offset at most once per interval, the newest each time", async () => {
    const coupon = aCoupon(10);
    const startedAt: number[] = [];
    const lab = pipelineLab([coupon], { commit: async () => void startedAt.push(performance.now()), settings: { offsetCommitIntervalMs: 200 } });
    const batches = ["a", "b", "c"].map((user) => aBatch(16, [aRequest(coupon.id, user)]));
    lab.pipeline.accept(batches[0]!);
    await eventually(() => lab.control.committed(16).length === 1);
    for (const batch of batches.slice(1)) lab.pipeline.accept(batch);

    await eventually(() => lab.store.issuedCount(coupon.id) === 3);
    expect(lab.control.committed(16)).toEqual([batches[0]!.nextOffset]);
    await eventually(() => lab.control.committed(16).at(-1) === batches[2]!.nextOffset);
    expect(lab.control.committed(16)).toEqual([batches[0]!.nextOffset, batches[2]!.nextOffset]);
    expect(startedAt[1]! - startedAt[0]!).toBeGreaterThanOrEqual(190);
  });

  it("commits nothing more of an abandoned lane: an offset recorded while a commit was out is dropped after a rebalance", async () => {
    const coupon = aCoupon(10);
    const firstCommit = firstCommitHeld();
    const lab = pipelineLab([coupon], { commit: firstCommit.commit });
    const first = aBatch(12, [aRequest(coupon.id, "a")]);
    lab.pipeline.accept(first);
    await eventually(() => lab.control.calls.length === 1);
    lab.pipeline.accept(aBatch(12, [aRequest(coupon.id, "b")]));
    await eventually(() => lab.store.issuedCount(coupon.id) === 2);
    lab.pipeline.restart();
    firstCommit.release();
    await eventually(() => lab.control.committed(12).length === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lab.control.calls).toEqual([`commit 12@${first.nextOffset}`]);

    const again = aBatch(12, [aRequest(coupon.id, "c")]);
    lab.pipeline.accept(again);
    await eventually(() => lab.control.committed(12).at(-1) === again.nextOffset);
    expect(lab.control.mostCommitsOut).toBe(1);
  });

  it("on stop, commits what was recorded behind a slow commit within the grace period, and nothing once it is over", async () => {
    const coupon = aCoupon(10);
    const slow = firstCommitHeld();
    const lab = pipelineLab([coupon], { commit: slow.commit });
    const batches = ["a", "b"].map((user) => aBatch(13, [aRequest(coupon.id, user)]));
    for (const batch of batches) lab.pipeline.accept(batch);
    await eventually(() => lab.store.issuedCount(coupon.id) === 2);
    const stopped = lab.pipeline.stop();
    setTimeout(slow.release, 50);
    await stopped;
    expect(lab.control.committed(13)).toEqual(batches.map((b) => b.nextOffset));

    const hung = firstCommitHeld();
    const late = pipelineLab([coupon], { commit: hung.commit, settings: { stopGraceMs: 100 } });
    const more = ["c", "d"].map((user) => aBatch(13, [aRequest(coupon.id, user)]));
    for (const batch of more) late.pipeline.accept(batch);
    await eventually(() => late.store.issuedCount(coupon.id) === 2);
    await late.pipeline.stop();
    hung.release();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(late.control.calls).toEqual([`commit 13@${more[0]!.nextOffset}`]);
  });

  it("announces decisions and lets the gate forget them beside the next batch: one notice out per partition, the rest merged", async () => {
    const coupon = aCoupon(10);
    const firstNotice = aHold();
    const notices: string[][] = [];
    const lab = pipelineLab([coupon], {
      notify: async (decided) => {
        notices.push(decided.map((d) => d.requestId));
        if (notices.length === 1) await firstNotice.held;
      },
    });
    const requests = ["a", "b", "c"].map((user) => aRequest(coupon.id, user));
    const batches = requests.map((request) => aBatch(14, [request]));
    lab.pipeline.accept(batches[0]!);
    await eventually(() => notices.length === 1);
    lab.pipeline.accept(batches[1]!);
    lab.pipeline.accept(batches[2]!);

    await eventually(() => lab.control.committed(14).at(-1) === batches[2]!.nextOffset);
    expect(notices).toEqual([[requests[0]!.requestId]]);
    firstNotice.release();
    await eventually(() => notices.length === 2);
    expect(notices[1]).toEqual([requests[1]!.requestId, requests[2]!.requestId]);
    await eventually(() => lab.gate.states.get(coupon.id)!.decisions.size === 0);
  });

  it("holds back the next record once too many decisions wait for a notice that is out", async () => {
    const coupon = aCoupon(10);
    const firstNotice = aHold();
    let notices = 0;
    const lab = pipelineLab([coupon], {
      notify: async () => void (++notices === 1 && (await firstNotice.held)),
      settings: { waitingFollowUpDecisions: 2, mergedBatchMessages: 1, waitingMessagesPerPartition: 10 },
    });
    const batches = ["a", "b", "c", "d", "e"].map((user) => aBatch(15, [aRequest(coupon.id, user)]));
    lab.pipeline.accept(batches[0]!);
    await eventually(() => notices === 1);
    for (const batch of batches.slice(1)) lab.pipeline.accept(batch);

    await eventually(() => lab.store.issuedCount(coupon.id) === 4);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lab.store.issuedCount(coupon.id)).toBe(4);
    firstNotice.release();
    await eventually(() => lab.control.committed(15).at(-1) === batches[4]!.nextOffset);
    expect(lab.store.issuedCount(coupon.id)).toBe(5);
  });
});
