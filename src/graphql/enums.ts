/** The domain enums exposed as GraphQL enums; their numeric values are what resolvers return. */
import { registerEnumType } from "type-graphql";
import { EpochState, EpochTransition, TransitionSource, WindowKind } from "../domain/index.js";

registerEnumType(EpochState, {
  name: "EpochState",
  description: "Lifecycle state of an epoch (the chain's numeric values 0–6, in this order).",
  valuesConfig: {
    INIT: { description: "Created, nothing open yet." },
    WORKER_SUBMISSION: { description: "Worker window open (inferences, forecasts)." },
    WAITING_GROUND_TRUTH: { description: "Worker window closed; waiting for ground truth." },
    REPUTER_SUBMISSION: { description: "Reputer window open (losses)." },
    PENDING_COMPLETION: { description: "Reputer window closed; waiting to complete." },
    COMPLETED: { description: "Terminal." },
    CANCELLED: { description: "Terminal." },
  },
});
registerEnumType(EpochTransition, { name: "EpochTransition", description: "A step of the epoch state machine." });
registerEnumType(WindowKind, { name: "WindowKind", description: "Which submission window." });
registerEnumType(TransitionSource, { name: "TransitionSource", description: "Who applied a transition: the scheduler or an operator through the API." });

export { EpochState, EpochTransition, TransitionSource, WindowKind };
