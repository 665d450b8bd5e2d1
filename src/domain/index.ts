/** The pure core: states, transitions, NonceV2, windows and settings. No I/O, no clock. */
export * from "./errors.js";
export * from "./uint64.js";
export * from "./nonce.js";
export * from "./epoch-state.js";
export * from "./transitions.js";
export * from "./topic-settings.js";
export * from "./windows.js";
export * from "./schedule.js";
export * from "./periodic-start.js";
export * from "./roles.js";
