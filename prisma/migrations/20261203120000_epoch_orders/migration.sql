-- Listing orders for submitters (issue 15): the window that closes first comes first.
-- NEWEST_FIRST and OLDEST_FIRST share the start indexes (OLDEST_FIRST scans them backward).

-- CreateIndex
CREATE INDEX "epoch_by_state_worker_close" ON "epoch"("state", "worker_close_at", "topic_id", "nonce");

-- CreateIndex
CREATE INDEX "epoch_by_state_reputer_close" ON "epoch"("state", "reputer_close_at", "topic_id", "nonce");

-- CreateIndex
CREATE INDEX "epoch_by_reputer_close" ON "epoch"("reputer_close_at", "topic_id", "nonce");

-- CreateIndex
CREATE INDEX "epoch_by_topic_reputer_close" ON "epoch"("topic_id", "reputer_close_at", "nonce");
