-- Periodic starts a topic skipped because no worker ran at their instants (catch-up after
-- downtime), counted by the start that catches up, in the same statement that writes its epoch.
ALTER TABLE "topic" ADD COLUMN "missed_starts" INTEGER NOT NULL DEFAULT 0;
