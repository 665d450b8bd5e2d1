import { Field, ObjectType } from "type-graphql";
import type { EpochKey } from "../../app/records.js";
import type { WindowChangeEvent } from "../../app/live-events.js";
import { transitionCursor } from "../cursors.js";
import { WindowKind } from "../enums.js";
import { DateTimeScalar } from "../scalars/date-time.scalar.js";

/** `epoch` is resolved in window-event.resolver.ts. */
@ObjectType("WindowEvent", { simpleResolvers: true, description: "A worker or reputer window opened or closed (a close by cancel included)." })
export class WindowEvent {
  @Field(() => String, { description: "Resume cursor (the causing transition's): pass it as `after` to continue after this event." })
  cursor!: string;

  @Field(() => WindowKind)
  kind!: WindowKind;

  @Field(() => Boolean, { description: "True when the window opened, false when it closed." })
  opened!: boolean;

  @Field(() => DateTimeScalar, { description: "When the causing transition was committed." })
  at!: Date;

  key!: EpochKey;

  static of(e: WindowChangeEvent): WindowEvent {
    return Object.assign(new WindowEvent(), {
      cursor: transitionCursor.encode(e.record),
      kind: e.kind,
      opened: e.opened,
      at: e.record.at,
      key: { topicId: e.record.topicId, nonce: e.record.nonce },
    });
  }
}
