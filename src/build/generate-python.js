/*
 * `npm run build:backends`: generate the Python wrappers of src/lib/components into
 * dash_file_cache/components/.
 *
 * dash-generate-components always writes into `<cwd>/<project_shortname>/`, and the
 * shortname must be `dash_file_cache` (it becomes the components' `_namespace`, the
 * module Dash reads `_js_dist` from). So it runs in a scratch directory that links to
 * package.json, node_modules and src, and its output is then moved into
 * dash_file_cache/components/. Nothing generated lands in dash_file_cache/ itself,
 * and the hand-written dash_file_cache/components/__init__.py and typehints.py are never touched.
 */
const { execFileSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const PACKAGE = "dash_file_cache";
const root = path.resolve(__dirname, "..", "..");
const target = path.join(root, PACKAGE, "components");
const HAND_WRITTEN = new Set(["__init__.py", "typehints.py"]);
const GENERATED = /\.(py|json|js)$/;

// Comes with `dash[dev]`; override with DASH_GENERATE_COMPONENTS=/path/to/it.
const GENERATOR = process.env.DASH_GENERATE_COMPONENTS || "dash-generate-components";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "dfc-generate-"));
try {
    for (const name of ["package.json", "node_modules", "src"]) {
        fs.symlinkSync(path.join(root, name), path.join(scratch, name));
    }
    fs.mkdirSync(path.join(scratch, PACKAGE));
    execFileSync(GENERATOR, ["./src/lib/components", PACKAGE, "-p", "package-info.json"], {
        cwd: scratch,
        stdio: "inherit",
    });

    fs.mkdirSync(target, { recursive: true });
    for (const name of fs.readdirSync(target)) {
        if (GENERATED.test(name) && !HAND_WRITTEN.has(name)) {
            fs.rmSync(path.join(target, name));
        }
    }
    const produced = fs.readdirSync(path.join(scratch, PACKAGE)).sort();
    for (const name of produced) {
        if (HAND_WRITTEN.has(name)) {
            continue;
        }
        fs.copyFileSync(path.join(scratch, PACKAGE, name), path.join(target, name));
    }
    process.stdout.write(`Generated into ${path.relative(root, target)}/: ${produced.join(", ")}\n`);
} finally {
    fs.rmSync(scratch, { recursive: true, force: true });
}
