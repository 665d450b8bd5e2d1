import { Field, Int, ObjectType } from "type-graphql";
import type { TopicRecord } from "../../app/records.js";
import { DateTimeScalar } from "../scalars/date-time.scalar.js";
import { NonceV2Scalar } from "../scalars/nonce.scalar.js";
import { Uint64Scalar } from "../scalars/uint64.scalar.js";

/** `epochs` is resolved (batched) in topic-fields.resolver.ts. */
@ObjectType("Topic", { simpleResolvers: true, description: "A stream of epochs; one starts every epochLength seconds while the topic is active." })
export class Topic {
  @Field(() => Uint64Scalar)
  id!: bigint;

  @Field(() => Int, { description: "Seconds between two epoch starts." })
  epochLength!: number;

  @Field(() => Int, { description: "Seconds from epoch start to the reputer window opening." })
  groundTruthLag!: number;

  @Field(() => Int, { description: "Seconds the worker window stays open." })
  workerSubmissionWindow!: number;

  @Field(() => Boolean)
  active!: boolean;

  @Field(() => DateTimeScalar, { nullable: true, description: "Reference instant of the periodic starts (epoch n starts at activatedAt + n·epochLength); moved by an epochLength change and to the instant a late catch-up start ran; null while inactive." })
  activatedAt!: Date | null;

  @Field(() => NonceV2Scalar, { nullable: true, description: "Nonce of the newest epoch, null before the first." })
  lastNonce!: bigint | null;

  @Field(() => Int, {
    description:
      "Periodic starts skipped because no scheduler worker ran at their instants (after downtime the current period starts when the worker is back; the ones before it are skipped, not started in a burst).",
  })
  missedStarts!: number;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar)
  updatedAt!: Date;

  static of(r: TopicRecord): Topic {
    return Object.assign(new Topic(), {
      id: r.id,
      epochLength: r.epochLength,
      groundTruthLag: r.groundTruthLag,
      workerSubmissionWindow: r.workerSubmissionWindow,
      active: r.active,
      activatedAt: r.activatedAt,
      lastNonce: r.lastNonce,
      missedStarts: r.missedStarts,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
    });
  }
}
