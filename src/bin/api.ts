/** `npm start`: apply pending migrations, then serve the API. */
import http from "node:http";
import { loadConfig } from "../config/config.js";
import { databaseUrl } from "../db/database-url.js";
import { prepareDatabase } from "../db/setup.js";

const config = loadConfig();
const url = databaseUrl(config);
const applied = await prepareDatabase(url);
if (applied.length) console.log(`applied migrations: ${applied.join(", ")}`);

const server = http.createServer((req, res) => {
  if (req.url === "/healthz") {
    res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
    return;
  }
  res.writeHead(404).end();
});
server.listen(config.PORT, config.HOST, () => console.log(`epoch-windows listening on http://${config.HOST}:${config.PORT}`));
for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => server.close(() => process.exit(0)));
