// dependency-cruiser: the layering the design claims, checked on every pnpm lint and pnpm test.
// Paths are matched after resolution: a workspace package (`@dibs/kafka`) resolves, through its package.json
// exports, to the file it names (packages/kafka/src/index.ts), so the rules speak of folders, not of package names.

/** The adapters' libraries and the workspace packages that wrap them. */
const INFRASTRUCTURE = ["(^|/)node_modules/(kafkajs|ioredis|pg|pg-[^/]+|fastify|@fastify/[^/]+|@prisma/[^/]+|prisma)/", "^packages/(db|gate|kafka|ops)/"];

/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "domain-depends-on-nothing",
      comment:
        "The domain is the model, its rules and its ports, with no I/O: it imports its own files and Node's built-ins (node:crypto: a lottery's draw is a SHA-256 chain), never an npm package nor another workspace package.",
      severity: "error",
      from: { path: "^packages/domain/src/" },
      to: { pathNot: "^packages/domain/src/", dependencyTypesNot: ["core"] },
    },
    {
      name: "apps-do-not-import-each-other",
      comment:
        "The API and the issuer are separate processes that meet only through Kafka, Redis and Postgres: what both need lives in a package under packages/.",
      severity: "error",
      from: { path: "^apps/([^/]+)/" },
      to: { path: "^apps/", pathNot: "^apps/$1/" },
    },
    {
      name: "packages-do-not-import-apps",
      comment: "Packages are what the apps share; a package that imports an app turns the layering upside down.",
      severity: "error",
      from: { path: "^packages/" },
      to: { path: "^apps/" },
    },
    {
      name: "product-code-does-not-import-test-code",
      comment:
        "What runs in production never loads the bench, the test suites, the consistency checker nor a package's testing helpers (the `*/testing` exports live in test/ or src/testing/): code that exists for tests is wired in by the tests.",
      severity: "error",
      from: { path: "^(apps|packages)/[^/]+/src/", pathNot: ["^packages/checker/", "/testing/"] },
      to: { path: ["^bench/", "^tests/", "^packages/checker/", "^(apps|packages)/[^/]+/test/", "/testing/"] },
    },
    {
      name: "ports-are-not-typed-with-infrastructure",
      comment:
        "A port (ports.ts) is a plain interface the domain or an app declares and an adapter implements: typed with Kafka, Redis, Prisma, Postgres or Fastify types, or with the adapter packages that wrap them, it would tie every implementation, the in-memory test doubles included, to that infrastructure.",
      severity: "error",
      from: { path: "(^|/)ports\\.ts$", pathNot: "^apps/api/src/ports\\.ts$" },
      to: { path: INFRASTRUCTURE },
    },
    {
      name: "api-ports-are-not-typed-with-infrastructure",
      comment:
        "The same rule for the API's ports, less one import it has today: the operations' report types (DeadLetterListing, PartitionLag, Reconciliation, ReplayReport), plain data that @dibs/ops declares; the exception goes when they move out of ops.",
      severity: "error",
      from: { path: "^apps/api/src/ports\\.ts$" },
      to: { path: INFRASTRUCTURE, pathNot: "^packages/ops/src/index\\.ts$" },
    },
    {
      name: "no-circular",
      comment: "Modules that import each other cannot be read, tested or moved one at a time.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-unresolvable",
      comment: "Every import resolves: one that does not fails at run time, and would also slip past the rules above, which match resolved paths.",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "(^|/)node_modules/" },
    // The generated Prisma client is not ours to arrange.
    exclude: { path: ["(^|/)src/generated/", "(^|/)dist/", "^bench/results/"] },
    // Type-only imports are dependencies too: a port typed with kafkajs types depends on kafkajs.
    tsPreCompilationDeps: true,
    // An import is judged against the package.json of its own package, not the root's.
    combinedDependencies: false,
    moduleSystems: ["es6", "cjs"],
    enhancedResolveOptions: {
      // Workspace packages are reached through their package.json exports (there are no tsconfig paths).
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "types", "default"],
      mainFields: ["module", "main", "types", "typings"],
      extensions: [".ts", ".mts", ".d.ts", ".js", ".mjs", ".cjs", ".json"],
    },
  },
};
