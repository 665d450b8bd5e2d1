// The API as the page uses it: queries over HTTP and one subscription over a plain WebSocket
// (graphql-transport-ws protocol), with the credential when the API requires one.

// The credential (API key or JWT): from the sign-in form, or from a link's fragment (#key=…, never
// sent to the server), kept for this tab only.
const CREDENTIAL = "epoch-windows.credential";
const fromFragment = new URLSearchParams(location.hash.slice(1)).get("key");
if (fromFragment) {
  sessionStorage.setItem(CREDENTIAL, fromFragment);
  history.replaceState(null, "", location.pathname + location.search);
}
export const credential = () => sessionStorage.getItem(CREDENTIAL);
export const setCredential = (value) => sessionStorage.setItem(CREDENTIAL, value);
const bearer = () => (credential() ? { authorization: `Bearer ${credential()}` } : {});

export class AuthError extends Error {}

export async function query(q, variables = {}) {
  const res = await fetch("/graphql", { method: "POST", headers: { "content-type": "application/json", ...bearer() }, body: JSON.stringify({ query: q, variables }) });
  const body = await res.json();
  if (body.errors) {
    const codes = body.errors.map((e) => e.extensions?.code);
    const message = body.errors.map((e) => e.message).join("; ");
    if (codes.includes("UNAUTHENTICATED") || codes.includes("FORBIDDEN")) throw new AuthError(message);
    throw new Error(message);
  }
  return body.data;
}

/**
 * Subscribes once per connection and reconnects after a drop, resuming after the last cursor seen
 * (the server replays what was missed). `onStatus` gets "live", "reconnecting" or "credential …".
 */
export function subscribe(document, { onData, onStatus }) {
  let lastCursor = null;
  const connect = () => {
    const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`, "graphql-transport-ws");
    ws.onopen = () => ws.send(JSON.stringify({ type: "connection_init", payload: bearer() }));
    ws.onmessage = (m) => {
      const msg = JSON.parse(m.data);
      if (msg.type === "connection_ack") {
        onStatus("live");
        ws.send(JSON.stringify({ id: "live", type: "subscribe", payload: { query: document, variables: { after: lastCursor } } }));
      } else if (msg.type === "ping") {
        ws.send(JSON.stringify({ type: "pong" }));
      } else if (msg.type === "next" && msg.payload.data) {
        const event = Object.values(msg.payload.data)[0];
        lastCursor = event.cursor;
        onData(event);
      } else if (msg.type === "error" || (msg.type === "next" && msg.payload.errors)) {
        // e.g. SUBSCRIBER_TOO_SLOW: reconnect and resume from the last cursor.
        console.error("subscription error", msg.payload);
        ws.close();
      }
    };
    ws.onclose = (e) => {
      // 4401/4403: no or a refused credential; retrying with the same one cannot help.
      if (e.code === 4401 || e.code === 4403) return onStatus(credential() ? "credential refused" : "credential required");
      onStatus("reconnecting");
      setTimeout(connect, 1000);
    };
  };
  connect();
}
