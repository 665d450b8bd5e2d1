/**
 * `npm run keygen [-- viewer]`: a fresh API key and the API_KEYS entry that admits it (role
 * operator unless given). The server is configured with the hash only; the key is shown once.
 */
import { generateApiKey } from "../auth/api-keys.js";
import { isRole, ROLES } from "../domain/index.js";

const role = process.argv[2] ?? "operator";
if (!isRole(role)) {
  console.error(`usage: npm run keygen [-- ${ROLES.join("|")}]  (default operator)`);
  process.exit(2);
}
const { key, entry } = generateApiKey(role);
console.log(`key (give it to the ${role}; it is not stored anywhere, keep it secret):
  ${key}
API_KEYS entry (configure the server with this hash; join several entries with commas):
  ${entry}`);
