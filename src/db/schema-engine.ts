/**
 * Prisma's schema engine compiled to WebAssembly, driven through the pg driver adapter. The native
 * engine of the Prisma CLI is downloaded at install time, which an offline machine cannot do; this
 * one ships inside an npm package, so migrations apply anywhere npm works.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import type { SchemaEngine } from "@prisma/schema-engine-wasm";

const require = createRequire(import.meta.url);

/** The slice of the WebAssembly global we use (Node's types do not declare it without DOM libs). */
const WebAssemblyApi = (globalThis as unknown as {
  WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: unknown } }> };
}).WebAssembly;

type WasmBindings = typeof import("@prisma/schema-engine-wasm/schema_engine_bg");

async function loadWasmModule(): Promise<WasmBindings> {
  // The package's main module imports the .wasm as an ES module, which Node 20 cannot load; so
  // instantiate the bytes ourselves and hand them to the generated bindings.
  const entry = require.resolve("@prisma/schema-engine-wasm");
  const dir = path.dirname(entry);
  const bg = await import("@prisma/schema-engine-wasm/schema_engine_bg");
  const bytes = await readFile(path.join(dir, "schema_engine_bg.wasm"));
  const { instance } = await WebAssemblyApi.instantiate(bytes, { "./schema_engine_bg.js": bg });
  (bg as unknown as { __wbg_set_wasm(e: unknown): void }).__wbg_set_wasm(instance.exports);
  (instance.exports as { __wbindgen_start(): void }).__wbindgen_start();
  return bg;
}

let wasm: Promise<WasmBindings> | undefined;

/**
 * adapter-pg's executeScript splits a migration on every ";" (even inside comments and $$ function
 * bodies) and runs the pieces one by one on a pool. Run the whole script as one simple-protocol
 * query instead, as Prisma's native engine does: one connection, one implicit transaction.
 */
class WholeScriptPg extends PrismaPg {
  override async connect() {
    const adapter = await super.connect();
    const pool = adapter.underlyingDriver() as pg.Pool;
    adapter.executeScript = async (script: string) => {
      try {
        await pool.query(script);
      } catch (error) {
        (adapter as unknown as { onError(e: unknown): never }).onError(error);
      }
    };
    return adapter;
  }
}

export interface EngineHandle {
  engine: SchemaEngine;
  close(): Promise<void>;
}

/** Open an engine bound to one database. `log` receives the engine's log lines. */
export async function openSchemaEngine(
  connectionString: string,
  datamodel: { path: string; content: string },
  log: (line: string) => void = () => {},
): Promise<EngineHandle> {
  wasm ??= loadWasmModule();
  const { SchemaEngine } = await wasm;
  // Our own pool, so closing the engine also closes its connections (and the session-level
  // advisory lock that migrate takes); freeing the engine alone leaves them open.
  const pool = new pg.Pool({ connectionString, max: 2 });
  const adapter = bindMigrationAwareSqlAdapterFactory(new WholeScriptPg(pool));
  const engine = await SchemaEngine.new({ datamodels: [[datamodel.path, datamodel.content]] }, log, adapter);
  return {
    engine,
    async close() {
      engine.free();
      await pool.end();
    },
  };
}

export const NO_FILTERS = { externalTables: [], externalEnums: [] };
