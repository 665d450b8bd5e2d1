/**
 * Which queries are open-window listings only, so their whole response may be cached under the
 * commit-notice invalidation (src/graphql/response-cache.ts): every selected field must be one the
 * notices cover, that is one that changes only when an epoch enters or leaves a submission state of
 * the listed topic (or of any, for a global listing). Anything else (topics, transitions, other
 * root fields, fragments on other types) makes the operation uncacheable.
 */
import { Kind, type DocumentNode, type OperationDefinitionNode, type SelectionSetNode, type ValueNode } from "graphql";
import { EpochState } from "../domain/index.js";
import type { WindowScope } from "../app/window-scopes.js";
import { FloatInput } from "./scalars/float-input.js";

/** Covered fields by parent type, with the type of what they select (null for leaves). */
const COVERED: Readonly<Record<string, Readonly<Record<string, string | null>>>> = {
  Query: { openWorkerWindows: "EpochConnection", openReputerWindows: "EpochConnection" },
  EpochConnection: { edges: "EpochEdge", pageInfo: "PageInfo", totalCount: null },
  EpochEdge: { cursor: null, node: "Epoch" },
  PageInfo: { hasNextPage: null, endCursor: null },
  // reputerWindowOverlapsOlder: false outside REPUTER_SUBMISSION; inside, it depends on the topic's
  // other epochs in that state, which a notice for (that topic, REPUTER_SUBMISSION) names.
  Epoch: {
    id: null, topicId: null, nonce: null, nonceVersion: null, noncePayload: null, state: null, version: null,
    createdAt: null, updatedAt: null, workerWindow: "Window", reputerWindow: "Window", reputerWindowOverlapsOlder: null,
  },
  Window: { kind: null, openAt: null, closeAt: null, isOpen: null },
};

const ROOT_STATES: Readonly<Record<string, EpochState>> = {
  openWorkerWindows: EpochState.WORKER_SUBMISSION,
  openReputerWindows: EpochState.REPUTER_SUBMISSION,
};

/** A root field's listing: its state and its topicId argument (absent: all topics). */
interface Listing {
  readonly state: EpochState;
  readonly topic: ValueNode | null;
}

const analysed = new WeakMap<OperationDefinitionNode, readonly Listing[] | null>();

/** The scopes a query's response depends on, or null when it is not an open-window listing only. */
export function windowOperationScopes(document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown> | undefined): WindowScope[] | null {
  let listings = analysed.get(operation);
  if (listings === undefined) {
    listings = analyse(document, operation);
    analysed.set(operation, listings);
  }
  if (!listings) return null;
  const scopes: WindowScope[] = [];
  for (const l of listings) {
    const topic = topicOf(l.topic, operation, variables);
    if (topic === null) return null;
    scopes.push({ state: l.state, topic });
  }
  return scopes;
}

/** The topic as a decimal uint64, "*" for all topics, null when the value is not one (the query will fail). */
function topicOf(value: ValueNode | null, operation: OperationDefinitionNode, variables: Record<string, unknown> | undefined): string | null {
  if (!value || value.kind === Kind.NULL) return "*";
  let raw: unknown;
  if (value.kind === Kind.VARIABLE) {
    const name = value.name.value;
    if (!variables || !(name in variables)) {
      // A default value: the global scope is conservative (dropped with any topic's change of the state).
      return operation.variableDefinitions?.some((d) => d.variable.name.value === name) ? "*" : null;
    }
    raw = variables[name];
    if (raw === null) return "*";
  } else if (value.kind === Kind.STRING || value.kind === Kind.INT) {
    raw = value.value;
  } else return null;
  if ((typeof raw !== "string" && typeof raw !== "number") || !/^\d{1,20}$/.test(String(raw))) return null;
  return BigInt(String(raw)).toString();
}

function analyse(document: DocumentNode, operation: OperationDefinitionNode): Listing[] | null {
  if (operation.operation !== "query") return null;
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  const listings: Listing[] = [];
  const covered = (set: SelectionSetNode, type: string, depth: number): boolean => {
    if (depth > 20) return false;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const name = sel.name.value;
        if (name === "__typename") continue;
        const fields = COVERED[type]!;
        if (!Object.hasOwn(fields, name)) return false;
        const child = fields[name]!;
        if (type === "Query") {
          const topic = sel.arguments?.find((a) => a.name.value === "topicId")?.value ?? null;
          listings.push({ state: ROOT_STATES[name]!, topic });
        }
        if (child === null) {
          if (sel.selectionSet) return false;
        } else if (!sel.selectionSet || !covered(sel.selectionSet, child, depth + 1)) return false;
      } else {
        const fragment = sel.kind === Kind.FRAGMENT_SPREAD ? fragments.get(sel.name.value) : sel;
        if (!fragment) return false;
        if (fragment.typeCondition && fragment.typeCondition.name.value !== type) return false;
        if (!covered(fragment.selectionSet, type, depth + 1)) return false;
      }
    }
    return true;
  };
  return covered(operation.selectionSet, "Query", 0) && listings.length > 0 ? listings : null;
}

/** Variables as part of a cache key; a float-written number stays apart from an integer and a string. */
export function variablesKey(variables: Record<string, unknown> | undefined): string {
  return JSON.stringify(variables ?? {}, function (this: Record<string, unknown>, key, value) {
    const raw = this[key];
    return raw instanceof FloatInput ? { float: raw.source } : value;
  });
}
