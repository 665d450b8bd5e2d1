/** The statement builders of src/db/sql/: prepared names by shape, enum-derived states, safe identifiers. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EpochState, LIVE_STATES } from "../../src/domain/index.js";
import { createDatabase, dropDatabase, UnsafeIdentifierError } from "../../src/db/sql/admin.js";
import { countStatement, listStatement, liveKeys } from "../../src/db/sql/epochs.js";
import { selectList } from "../../src/db/sql/statement.js";

const { WORKER_SUBMISSION, REPUTER_SUBMISSION } = EpochState;
const after = { startAt: Date.parse("2026-01-01T00:00:00Z"), topicId: 1n, nonce: 2n };

describe("SQL statements", () => {
  it("names the hot listing shapes, not the values, and leaves dashboard shapes unprepared", () => {
    assert.equal(listStatement({}, { limit: 50 }).name, "ew_list_epochs");
    assert.equal(listStatement({ topicId: 7n, states: [WORKER_SUBMISSION] }, { limit: 5, after, sort: "OLDEST_FIRST" }).name, "ew_list_epochs_o_t_s_a");
    assert.equal(listStatement({ states: [WORKER_SUBMISSION, REPUTER_SUBMISSION] }, { limit: 5, sort: "REPUTER_CLOSE_SOONEST" }).name, "ew_list_epochs_r_ss");
    assert.equal(listStatement({ topicId: 8n }, { limit: 9 }).text, listStatement({ topicId: 9n }, { limit: 50 }).text);
    assert.equal(listStatement({ topicIds: [1n] }, { limit: 5 }).name, undefined);
    assert.equal(listStatement({ workerOpensAfter: after.startAt }, { limit: 5 }).name, undefined);
    assert.equal(countStatement({ states: [WORKER_SUBMISSION] }).name, "ew_count_epochs_s");
  });

  it("numbers its placeholders in order of its values", () => {
    const s = listStatement({ topicId: 7n, states: [WORKER_SUBMISSION], workerOpensBefore: after.startAt }, { limit: 5, after });
    const used = [...s.text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
    assert.deepEqual([...new Set(used)].sort((a, b) => a - b), s.values.map((_, i) => i + 1));
  });

  it("takes state numbers from the domain", () => {
    assert.match(liveKeys(1n).text, new RegExp(`state IN \\(${LIVE_STATES.join(", ")}\\)`));
  });

  it("qualifies a select list with one alias", () => {
    assert.equal(selectList("t", ["id", { column: "nonce", as: "nonce_text", read: "text" }]), "t.id, t.nonce::text AS nonce_text");
  });

  it("quotes database names it accepts and refuses the rest", () => {
    assert.equal(createDatabase("ew_a", "ew_t").text, 'CREATE DATABASE "ew_a" TEMPLATE "ew_t"');
    for (const bad of ['x"; DROP TABLE topic; --', "Upper", "1abc", ""]) {
      assert.throws(() => dropDatabase(bad), UnsafeIdentifierError);
    }
  });
});
