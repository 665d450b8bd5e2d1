import { Prisma } from "../generated/prisma/client.js";

/** Column lists selected by the repositories, matching the row types in row-mappers.ts. */
export const EPOCH_COLUMNS = Prisma.raw(
  `topic_id, nonce, state, worker_open_at, worker_close_at, reputer_open_at, reputer_close_at, version, created_at, updated_at`,
);
export const TRANSITION_COLUMNS = Prisma.raw(
  `id, txid, topic_id, nonce, transition, from_state, to_state, at, due_at, source, reason`,
);
