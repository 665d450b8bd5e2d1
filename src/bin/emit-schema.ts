/** `npm run schema:emit`: write schema.graphql from the resolvers. */
import "reflect-metadata";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { buildApiSchema, printApiSchema } from "../graphql/schema.js";

const file = path.resolve(import.meta.dirname, "../../schema.graphql");
writeFileSync(file, printApiSchema(await buildApiSchema()));
console.log(`wrote ${path.relative(process.cwd(), file)}`);
