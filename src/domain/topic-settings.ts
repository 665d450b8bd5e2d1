import { InvalidTopicSettingsError } from "./errors.js";

/** A topic's timing settings, all in whole seconds. */
export interface TopicSettings {
  readonly epochLength: number;
  readonly groundTruthLag: number;
  readonly workerSubmissionWindow: number;
}

/** Upper bound for any timing setting: one year, far beyond any real topic, inside Int32. */
export const MAX_SETTING_SECONDS = 366 * 24 * 3600;

/** Throws InvalidTopicSettingsError listing every rule the settings break. */
export function validateTopicSettings(settings: TopicSettings): TopicSettings {
  const { epochLength: el, groundTruthLag: gtl, workerSubmissionWindow: wsw } = settings;
  const problems: string[] = [];
  const whole = (name: string, v: number) => {
    if (!Number.isInteger(v)) problems.push(`${name} must be a whole number of seconds, got ${v}`);
    else if (v > MAX_SETTING_SECONDS) problems.push(`${name} must be at most ${MAX_SETTING_SECONDS} seconds, got ${v}`);
  };
  whole("epochLength", el);
  whole("groundTruthLag", gtl);
  whole("workerSubmissionWindow", wsw);
  if (problems.length === 0) {
    if (el < 1) problems.push(`epochLength must be at least 1 second, got ${el}`);
    if (wsw < 1) problems.push(`workerSubmissionWindow must be at least 1 second, got ${wsw}`);
    if (wsw > el) problems.push(`workerSubmissionWindow (${wsw} s) must not exceed epochLength (${el} s)`);
    if (gtl < wsw) problems.push(`groundTruthLag (${gtl} s) must be at least workerSubmissionWindow (${wsw} s)`);
  }
  if (problems.length > 0) {
    const field = problems[0]!.split(" ")[0];
    throw new InvalidTopicSettingsError(`invalid topic settings: ${problems.join("; ")}`, field);
  }
  return settings;
}
