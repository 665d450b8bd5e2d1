import { InvalidTopicSettingsError } from "./errors.js";

/** A topic's timing settings, all in whole seconds. */
export interface TopicSettings {
  readonly epochLength: number;
  readonly groundTruthLag: number;
  readonly workerSubmissionWindow: number;
}

/** Upper bound for any timing setting: one year, far beyond any real topic, inside Int32. */
const MAX_SETTING_SECONDS = 366 * 24 * 3600;

/**
 * Throws InvalidTopicSettingsError listing every rule the settings break (the chain's rules: EL ≥ 1,
 * 1 ≤ WSW ≤ EL, GTL ≥ EL). The error's field is the first broken rule's; for a rule relating two
 * settings it is the one the caller `changed` (an update's patch) when only that one was.
 */
export function validateTopicSettings(settings: TopicSettings, changed?: readonly (keyof TopicSettings)[]): TopicSettings {
  const { epochLength: el, groundTruthLag: gtl, workerSubmissionWindow: wsw } = settings;
  const problems: { field: keyof TopicSettings; message: string }[] = [];
  const whole = (field: keyof TopicSettings, v: number) => {
    if (!Number.isInteger(v)) problems.push({ field, message: `${field} must be a whole number of seconds, got ${v}` });
    else if (v > MAX_SETTING_SECONDS) problems.push({ field, message: `${field} must be at most ${MAX_SETTING_SECONDS} seconds, got ${v}` });
  };
  // Of two related settings, the one to name: `own` unless the caller changed only `other`.
  const blame = (own: keyof TopicSettings, other: keyof TopicSettings) =>
    changed && !changed.includes(own) && changed.includes(other) ? other : own;
  whole("epochLength", el);
  whole("groundTruthLag", gtl);
  whole("workerSubmissionWindow", wsw);
  if (problems.length === 0) {
    if (el < 1) problems.push({ field: "epochLength", message: `epochLength must be at least 1 second, got ${el}` });
    if (wsw < 1) problems.push({ field: "workerSubmissionWindow", message: `workerSubmissionWindow must be at least 1 second, got ${wsw}` });
    if (wsw > el) {
      problems.push({ field: blame("workerSubmissionWindow", "epochLength"), message: `workerSubmissionWindow (${wsw} s) must not exceed epochLength (${el} s)` });
    }
    // As on the chain: an epoch's reputer window never opens before the next epoch starts.
    if (el >= 1 && gtl < el) {
      problems.push({ field: blame("groundTruthLag", "epochLength"), message: `groundTruthLag (${gtl} s) must be at least epochLength (${el} s)` });
    }
  }
  if (problems.length > 0) {
    throw new InvalidTopicSettingsError(`invalid topic settings: ${problems.map((p) => p.message).join("; ")}`, problems[0]!.field);
  }
  return settings;
}
