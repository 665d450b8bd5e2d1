/** Checks of an epoch's transition log against the domain's table and its computed windows. */
import assert from "node:assert/strict";
import type { EpochRecord, TransitionLogRecord } from "../../src/app/records.js";
import { EpochState, EpochTransition, TransitionSource } from "../../src/domain/index.js";

const TABLE: ReadonlyArray<[EpochTransition, EpochState, EpochState]> = [
  [EpochTransition.OPEN_WORKER_WINDOW, EpochState.INIT, EpochState.WORKER_SUBMISSION],
  [EpochTransition.CLOSE_WORKER_WINDOW, EpochState.WORKER_SUBMISSION, EpochState.WAITING_GROUND_TRUTH],
  [EpochTransition.OPEN_REPUTER_WINDOW, EpochState.WAITING_GROUND_TRUTH, EpochState.REPUTER_SUBMISSION],
  [EpochTransition.CLOSE_REPUTER_WINDOW, EpochState.REPUTER_SUBMISSION, EpochState.PENDING_COMPLETION],
  [EpochTransition.COMPLETE, EpochState.PENDING_COMPLETION, EpochState.COMPLETED],
];

/**
 * The log is the table's steps in order, each once, with dueAt equal to the window times and never
 * applied before its due time, ending in COMPLETED or (after a prefix) one CANCEL by the API.
 */
export function assertLifecycleLog(epoch: EpochRecord, unordered: TransitionLogRecord[], opts: { openedByApi: boolean }): void {
  // Commit order. (The log's (txid, id) order can differ: a deactivation takes its txid when it locks
  // the topic, then may wait for a step that commits first.)
  const log = [...unordered].sort((a, b) => a.at.getTime() - b.at.getTime() || Number(a.id - b.id));
  const w = epoch.windows;
  const due = [w.workerOpenAt, w.workerCloseAt, w.reputerOpenAt, w.reputerCloseAt, w.reputerCloseAt];
  const steps = log.filter((r) => r.transition !== EpochTransition.CANCEL);
  const cancels = log.filter((r) => r.transition === EpochTransition.CANCEL);
  const where = `epoch ${epoch.topicId}/${epoch.nonce}`;
  assert.deepEqual(steps.map((r) => [r.transition, r.from, r.to]), TABLE.slice(0, steps.length), `${where}: steps in table order, once each`);
  steps.forEach((r, i) => {
    if (i === 0 && opts.openedByApi) {
      assert.equal(r.source, TransitionSource.API);
      assert.equal(r.dueAt, null);
      return;
    }
    assert.equal(r.source, TransitionSource.SCHEDULER, `${where}: step ${i} by the scheduler`);
    assert.equal(r.dueAt?.getTime(), due[i], `${where}: step ${i} dueAt is the window time`);
    assert.ok(r.at.getTime() >= due[i]!, `${where}: step ${i} not applied before it was due`);
  });
  if (epoch.state === EpochState.COMPLETED) {
    assert.equal(steps.length, 5, `${where}: completed after all five steps`);
    assert.equal(cancels.length, 0);
  } else {
    assert.equal(epoch.state, EpochState.CANCELLED, `${where}: finished`);
    assert.equal(cancels.length, 1, `${where}: cancelled once`);
    assert.equal(log.at(-1)?.transition, EpochTransition.CANCEL, `${where}: nothing after the cancel`);
  }
}
