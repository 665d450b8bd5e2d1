import { Field, ID, ObjectType } from "type-graphql";
import type { TransitionLogRecord } from "../../app/records.js";
import { transitionCursor } from "../cursors.js";
import { EpochState, EpochTransition, TransitionSource } from "../enums.js";
import { transitionNodeId } from "../node/node-id.js";
import { Node } from "../node/node.interface.js";
import { DateTimeScalar } from "../scalars/date-time.scalar.js";
import { NonceV2Scalar } from "../scalars/nonce.scalar.js";
import { Uint64Scalar } from "../scalars/uint64.scalar.js";

/** `epoch` is resolved (batched) in transition-fields.resolver.ts. */
@ObjectType("TransitionRecord", { simpleResolvers: true, implements: Node, description: "One committed transition, from the append-only log." })
export class TransitionRecord implements Node {
  /** The log's insertion sequence (not a field: `id` is its global form). */
  logId!: bigint;

  @Field(() => ID, { description: "Global id (opaque, stable): a client cache's key and `node(id:)`'s argument." })
  get id(): string {
    return transitionNodeId(this.logId);
  }

  @Field(() => String, { description: "Resume cursor: pass it as `after` to continue exactly after this record." })
  cursor!: string;

  @Field(() => Uint64Scalar)
  topicId!: bigint;

  @Field(() => NonceV2Scalar)
  nonce!: bigint;

  @Field(() => EpochTransition)
  transition!: EpochTransition;

  @Field(() => EpochState)
  from!: EpochState;

  @Field(() => EpochState)
  to!: EpochState;

  @Field(() => DateTimeScalar, { description: "When it was committed." })
  at!: Date;

  @Field(() => DateTimeScalar, { nullable: true, description: "When it was due (null for API-triggered transitions)." })
  dueAt!: Date | null;

  @Field(() => TransitionSource)
  source!: TransitionSource;

  @Field(() => String, { nullable: true, description: "Why, when the operator or the scheduler said (e.g. a cancel reason)." })
  reason!: string | null;

  static of(r: TransitionLogRecord): TransitionRecord {
    return Object.assign(new TransitionRecord(), {
      logId: r.id,
      cursor: transitionCursor.encode(r),
      topicId: r.topicId,
      nonce: r.nonce,
      transition: r.transition,
      from: r.from,
      to: r.to,
      at: r.at,
      dueAt: r.dueAt,
      source: r.source,
      reason: r.reason,
    });
  }
}
