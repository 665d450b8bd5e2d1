import { Field, ObjectType } from "type-graphql";
import type { EpochRecord } from "../../app/records.js";
import { WINDOW_STATE } from "../../domain/index.js";
import { WindowKind } from "../enums.js";
import { DateTimeScalar } from "../scalars/date-time.scalar.js";

@ObjectType("Window", { simpleResolvers: true, description: "A submission window of an epoch; both ends inclusive." })
export class EpochWindow {
  @Field(() => WindowKind)
  kind!: WindowKind;

  @Field(() => DateTimeScalar, { description: "When the window is due to open." })
  openAt!: Date;

  @Field(() => DateTimeScalar, { description: "When the window is due to close." })
  closeAt!: Date;

  @Field(() => Boolean, { description: "True while the epoch is in this window's submission state (the state machine is the truth, not the clock)." })
  isOpen!: boolean;

  /** Plain assignments, not Object.assign of a literal: one object per window on the hot pages, not two. */
  static of(epoch: EpochRecord, kind: WindowKind): EpochWindow {
    const w = epoch.windows;
    const worker = kind === WindowKind.WORKER;
    const window = new EpochWindow();
    window.kind = kind;
    window.openAt = new Date(worker ? w.workerOpenAt : w.reputerOpenAt);
    window.closeAt = new Date(worker ? w.workerCloseAt : w.reputerCloseAt);
    window.isOpen = epoch.state === WINDOW_STATE[kind];
    return window;
  }
}
