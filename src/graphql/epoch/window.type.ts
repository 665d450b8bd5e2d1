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

  static of(epoch: EpochRecord, kind: WindowKind): EpochWindow {
    const w = epoch.windows;
    const [openAt, closeAt] = kind === WindowKind.WORKER ? [w.workerOpenAt, w.workerCloseAt] : [w.reputerOpenAt, w.reputerCloseAt];
    return Object.assign(new EpochWindow(), {
      kind,
      openAt: new Date(openAt),
      closeAt: new Date(closeAt),
      isOpen: epoch.state === WINDOW_STATE[kind],
    });
  }
}
