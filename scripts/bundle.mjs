// Builds what an app's image runs: node dist/<entry>.js, no loader and no TypeScript at run time.
//   node ../../scripts/bundle.mjs src/main.ts [src/setup.ts …]    (from the app's folder; its `build` script)
//
// Why a bundle: the image is a `pnpm deploy` folder, where the workspace packages (@dibs/*, exported as .ts sources)
// sit under node_modules, and Node strips types only outside node_modules. So each entry is bundled with every @dibs/*
// module inside it and every other package left as an import, installed by `pnpm deploy --prod` from the app's
// dependencies. A file that a module reads beside itself, `new URL("./x.lua", import.meta.url)`, is copied beside the
// bundle and the URL rewritten to it, so the gate's Lua scripts and the dashboard are found as they are in the sources.
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { basename, dirname, join, resolve } from "node:path";
import { build } from "esbuild";

const entries = process.argv.slice(2);
if (entries.length === 0) throw new Error("usage: bundle.mjs <entry.ts> …");
const outdir = resolve("dist");
const app = JSON.parse(readFileSync("package.json", "utf8"));

/** Bare imports of anything but @dibs/* stay imports: they are packages of the app's folder. */
const packagesStayImports = {
  name: "packages-stay-imports",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, ({ path }) => (path.startsWith("@dibs/") ? undefined : { path, external: true }));
  },
};

const ASSET_URL = /new URL\("(\.{1,2}\/[^"]+)", import\.meta\.url\)/g;

/** `new URL("./file", import.meta.url)` of a file: the file is copied beside the bundle, which is import.meta.url now. */
const assetsBesideBundle = {
  name: "assets-beside-bundle",
  setup(build) {
    const copied = new Map();
    build.onLoad({ filter: /\.ts$/ }, async ({ path }) => {
      const source = await readFile(path, "utf8");
      const contents = source.replace(ASSET_URL, (whole, relative) => {
        const file = resolve(dirname(path), relative);
        // A directory (the migrations) is not copied: the image names its own (MIGRATIONS_DIR).
        if (!statSync(file, { throwIfNoEntry: false })?.isFile()) return whole;
        const name = basename(file);
        if (copied.has(name) && copied.get(name) !== file) throw new Error(`bundle.mjs: two files named ${name}: ${copied.get(name)} and ${file}`);
        copied.set(name, file);
        copyFileSync(file, join(outdir, name));
        return `new URL("./${name}", import.meta.url)`;
      });
      return { contents, loader: "ts" };
    });
  },
};

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir);
const { metafile } = await build({
  entryPoints: entries,
  outdir,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node26",
  // Class names reach the logs (pino's err.type): they stay what the sources say.
  keepNames: true,
  metafile: true,
  logLevel: "warning",
  plugins: [packagesStayImports, assetsBesideBundle],
});

// What the bundle imports must be the app's own dependency, or `pnpm deploy --prod` leaves it out of the folder.
const builtins = new Set(builtinModules);
const dependencies = new Set(Object.keys(app.dependencies ?? {}));
const missing = new Set();
for (const output of Object.values(metafile.outputs)) {
  for (const { path, external } of output.imports) {
    if (!external || path.startsWith("node:") || builtins.has(path)) continue;
    const name = path
      .split("/")
      .slice(0, path.startsWith("@") ? 2 : 1)
      .join("/");
    if (!dependencies.has(name)) missing.add(name);
  }
}
if (missing.size > 0) {
  console.error(`bundle.mjs: ${app.name} imports ${[...missing].join(", ")}: add them to its dependencies`);
  process.exit(1);
}
