import { Field, ID, Int, ObjectType } from "type-graphql";
import type { EpochRecord } from "../../app/records.js";
import { nonceVersion, noncePayload } from "../../domain/index.js";
import { EpochState, WindowKind } from "../enums.js";
import { DateTimeScalar } from "../scalars/date-time.scalar.js";
import { NonceV2Scalar } from "../scalars/nonce.scalar.js";
import { Uint64Scalar } from "../scalars/uint64.scalar.js";
import { epochNodeId } from "../node/node-id.js";
import { Node } from "../node/node.interface.js";
import { EpochWindow } from "./window.type.js";

/** `topic`, `transitions` and `reputerWindowOverlapsOlder` are resolved (batched) in epoch-fields.resolver.ts. */
@ObjectType("Epoch", { implements: Node, simpleResolvers: true, description: "One epoch of a topic, identified by (topicId, nonce)." })
export class Epoch implements Node {
  /** Encoded only when a client asks for it. */
  @Field(() => ID, { description: "Global id (opaque, stable): a client cache's key and `node(id:)`'s argument." })
  get id(): string {
    return epochNodeId(this);
  }

  @Field(() => Uint64Scalar)
  topicId!: bigint;

  @Field(() => NonceV2Scalar)
  nonce!: bigint;

  @Field(() => Int, { description: "Top byte of the nonce: 0 legacy block height, 1 per-topic counter." })
  nonceVersion!: number;

  @Field(() => Uint64Scalar, { description: "Low 56 bits of the nonce." })
  noncePayload!: bigint;

  @Field(() => EpochState)
  state!: EpochState;

  @Field(() => EpochWindow)
  workerWindow!: EpochWindow;

  @Field(() => EpochWindow)
  reputerWindow!: EpochWindow;

  @Field(() => Int, { description: "Bumped by every transition (optimistic concurrency)." })
  version!: number;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar)
  updatedAt!: Date;

  /** Plain assignments (see EpochWindow.of). */
  static of(r: EpochRecord): Epoch {
    const e = new Epoch();
    e.topicId = r.topicId;
    e.nonce = r.nonce;
    e.nonceVersion = nonceVersion(r.nonce);
    e.noncePayload = noncePayload(r.nonce);
    e.state = r.state;
    e.workerWindow = EpochWindow.of(r, WindowKind.WORKER);
    e.reputerWindow = EpochWindow.of(r, WindowKind.REPUTER);
    e.version = r.version;
    e.createdAt = r.createdAt;
    e.updatedAt = r.updatedAt;
    return e;
  }
}
