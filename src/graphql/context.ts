/** What every resolver gets: the read model, the write-side port (if any), the caller and this request's loaders. */
import type { Principal } from "../auth/roles.js";
import type { LifecycleCommands } from "../app/lifecycle-commands.js";
import type { LiveEvents } from "../app/live-events.js";
import type { ReadModel } from "../app/read-model.js";
import { CommandsUnavailableError } from "../domain/index.js";
import { Loaders } from "./loaders.js";

export interface ApiContext {
  readonly readModel: ReadModel;
  readonly commands: LifecycleCommands | null;
  readonly loaders: Loaders;
  /** The live events behind subscriptions; absent where subscriptions are not served. */
  readonly events?: LiveEvents | null;
  /** The authenticated caller; null when anonymous (or when auth is off). */
  readonly principal?: Principal | null;
}

/** A new context per request, so DataLoader caches never outlive one response. */
export function createContext(
  readModel: ReadModel,
  commands: LifecycleCommands | null,
  events: LiveEvents | null = null,
  principal: Principal | null = null,
): ApiContext {
  return { readModel, commands, events, principal, loaders: new Loaders(readModel) };
}

export function requireCommands(ctx: ApiContext): LifecycleCommands {
  if (!ctx.commands) throw new CommandsUnavailableError();
  return ctx.commands;
}
