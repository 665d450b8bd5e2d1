/**
 * Preloaded (`node --require`) into the PostGraphile 4 peer of the query bench. PostGraphile 4 needs
 * graphql 15 while this project uses 16; npm hoists graphile-build-pg to the top level with its own
 * nested copies of graphql and graphile-build, so the peer would load two graphql instances and fail
 * every list query ("Cannot use GraphQLScalarType … from another module or realm"). This makes every
 * module resolve both packages from postgraphile's own node_modules: one instance each.
 */
const Module = require("node:module");
const path = require("node:path");

const postgraphileDir = path.dirname(require.resolve("postgraphile/package.json"));
const pinned = new Set(["graphql", "graphile-build"]);
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, isMain, options) {
  const name = request.split("/")[0];
  if (pinned.has(name)) return resolve.call(this, request, parent, isMain, { paths: [postgraphileDir] });
  return resolve.call(this, request, parent, isMain, options);
};
