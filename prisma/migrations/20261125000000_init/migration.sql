-- CreateTable
CREATE TABLE "topic" (
    "id" BIGINT NOT NULL,
    "epoch_length" INTEGER NOT NULL,
    "ground_truth_lag" INTEGER NOT NULL,
    "worker_submission_window" INTEGER NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT false,
    "activated_at" TIMESTAMPTZ(3),
    "last_nonce" BIGINT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "topic_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "epoch" (
    "topic_id" BIGINT NOT NULL,
    "nonce" BIGINT NOT NULL,
    "state" SMALLINT NOT NULL,
    "worker_open_at" TIMESTAMPTZ(3) NOT NULL,
    "worker_close_at" TIMESTAMPTZ(3) NOT NULL,
    "reputer_open_at" TIMESTAMPTZ(3) NOT NULL,
    "reputer_close_at" TIMESTAMPTZ(3) NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "epoch_pkey" PRIMARY KEY ("topic_id","nonce")
);

-- CreateTable
CREATE TABLE "transition_record" (
    "id" BIGSERIAL NOT NULL,
    "txid" BIGINT NOT NULL DEFAULT ((pg_current_xact_id())::text)::bigint,
    "topic_id" BIGINT NOT NULL,
    "nonce" BIGINT NOT NULL,
    "transition" SMALLINT NOT NULL,
    "from_state" SMALLINT NOT NULL,
    "to_state" SMALLINT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "due_at" TIMESTAMPTZ(3),
    "source" SMALLINT NOT NULL,
    "reason" TEXT,

    CONSTRAINT "transition_record_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "topic_by_active" ON "topic"("active", "id");

-- CreateIndex
CREATE INDEX "epoch_by_state" ON "epoch"("state", "worker_open_at" DESC, "topic_id" DESC, "nonce" DESC);

-- CreateIndex
CREATE INDEX "epoch_by_state_and_topic" ON "epoch"("state", "topic_id", "worker_open_at" DESC, "nonce" DESC);

-- CreateIndex
CREATE INDEX "epoch_by_start" ON "epoch"("worker_open_at" DESC, "topic_id" DESC, "nonce" DESC);

-- CreateIndex
CREATE INDEX "epoch_by_topic_start" ON "epoch"("topic_id", "worker_open_at" DESC, "nonce" DESC);

-- CreateIndex
CREATE INDEX "transition_by_log_order" ON "transition_record"("txid", "id");

-- CreateIndex
CREATE INDEX "transition_by_topic" ON "transition_record"("topic_id", "txid", "id");

-- CreateIndex
CREATE INDEX "transition_by_epoch" ON "transition_record"("topic_id", "nonce", "txid", "id");

-- AddForeignKey
ALTER TABLE "epoch" ADD CONSTRAINT "epoch_topic_id_fkey" FOREIGN KEY ("topic_id") REFERENCES "topic"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "transition_record" ADD CONSTRAINT "transition_record_topic_id_nonce_fkey" FOREIGN KEY ("topic_id", "nonce") REFERENCES "epoch"("topic_id", "nonce") ON DELETE CASCADE ON UPDATE CASCADE;


-- Rules the Prisma datamodel cannot express (listed in test/integration/migrations.test.ts).
ALTER TABLE "epoch" ADD CONSTRAINT "epoch_state_check" CHECK ("state" BETWEEN 0 AND 6);
ALTER TABLE "transition_record" ADD CONSTRAINT "transition_record_transition_check" CHECK ("transition" BETWEEN 0 AND 5);
ALTER TABLE "transition_record" ADD CONSTRAINT "transition_record_states_check" CHECK ("from_state" BETWEEN 0 AND 6 AND "to_state" BETWEEN 0 AND 6);
ALTER TABLE "transition_record" ADD CONSTRAINT "transition_record_source_check" CHECK ("source" IN (0, 1));
ALTER TABLE "topic" ADD CONSTRAINT "topic_settings_check" CHECK (
  "epoch_length" >= 1 AND "worker_submission_window" >= 1
  AND "worker_submission_window" <= "epoch_length" AND "ground_truth_lag" >= "worker_submission_window");

-- uint64 columns hold value - 2^63 (order-preserving): these decode/encode them for people in psql.
CREATE FUNCTION u64_decode(stored bigint) RETURNS numeric
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT stored::numeric + 9223372036854775808 $$;
CREATE FUNCTION u64_encode(value numeric) RETURNS bigint
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT (value - 9223372036854775808)::bigint $$;
