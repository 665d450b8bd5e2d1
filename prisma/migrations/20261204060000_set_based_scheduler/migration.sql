-- The scheduler moves due work in set-based batches instead of one queued job per step
-- (docs/architecture.md). An epoch's state and windows already say which step it waits for and
-- when; the one step without an index on its instant (OPEN_REPUTER_WINDOW, from
-- WAITING_GROUND_TRUTH, due at reputer_open_at) gets one. A topic says when its next periodic
-- start is due.
ALTER TABLE "topic" ADD COLUMN "next_start_at" TIMESTAMPTZ(3);

-- Active topics continue at the next instant of their grid (activated_at + n·epoch_length) that
-- is not in the past; the periodic-start jobs of the queue this replaces are not read.
UPDATE "topic"
SET "next_start_at" = "activated_at"
  + ceil(extract(epoch FROM (now() - "activated_at")) / "epoch_length") * "epoch_length" * interval '1 second'
WHERE "active" AND "activated_at" IS NOT NULL;

CREATE INDEX "topic_by_next_start" ON "topic"("next_start_at");

CREATE INDEX "epoch_by_state_reputer_open" ON "epoch"("state", "reputer_open_at", "topic_id", "nonce");
