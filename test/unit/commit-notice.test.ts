import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EpochState, EpochTransition, TransitionSource } from "../../src/domain/index.js";
import { ANY_CHANGE, noticeOfRecords, parseCommitNotice } from "../../src/app/commit-notice.js";

const { INIT, WORKER_SUBMISSION, WAITING_GROUND_TRUTH, REPUTER_SUBMISSION } = EpochState;

describe("commit notices", () => {
  it("parse the trigger's payload: states and topics (uint64, beyond 2^63 too)", () => {
    const n = parseCommitNotice("v1;0,1;7,18446744073709551615");
    assert.deepEqual(n.states, new Set([INIT, WORKER_SUBMISSION]));
    assert.deepEqual(n.topics, new Set([7n, 18446744073709551615n]));
  });

  it("parse `*` as any topic, states still given", () => {
    assert.deepEqual(parseCommitNotice("v1;1,2;*"), { topics: "any", states: new Set([WORKER_SUBMISSION, WAITING_GROUND_TRUTH]) });
  });

  it("take an empty, legacy or unknown payload as 'anything changed'", () => {
    for (const p of ["", undefined, "v2;1;7", "v1;;7", "v1;1;", "garbage", "v1;1;7,x"]) assert.equal(parseCommitNotice(p), ANY_CHANGE, String(p));
  });

  it("are built from this process's own log records", () => {
    const at = new Date();
    const rec = (topicId: bigint, from: EpochState, to: EpochState) => ({
      id: 1n, txid: 1n, topicId, nonce: 1n, transition: EpochTransition.OPEN_WORKER_WINDOW, from, to, at, dueAt: null, source: TransitionSource.API, reason: null,
    });
    const n = noticeOfRecords([rec(3n, INIT, WORKER_SUBMISSION), rec(4n, WAITING_GROUND_TRUTH, REPUTER_SUBMISSION)]);
    assert.deepEqual(n, { topics: new Set([3n, 4n]), states: new Set([INIT, WORKER_SUBMISSION, WAITING_GROUND_TRUTH, REPUTER_SUBMISSION]) });
  });
});
