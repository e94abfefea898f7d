/*
 * Builds what the browser runs: the component bundle Dash serves for this package, and
 * the download worker that ServiceData serves beside each service.
 *
 * - `library` is the Python package name: Dash's renderer looks components up as
 *   window[<namespace>][<type>], and the generated wrappers say
 *   `_namespace = "dash_file_cache"`.
 * - React, ReactDOM and PropTypes come from Dash's renderer (externals), never bundled.
 * - Production mode always (deterministic module and chunk ids, no timestamps), so two
 *   builds of the same sources are byte-identical and the committed bundle can be
 *   checked for freshness with `git diff --exit-code`.
 */
const path = require("path");
const webpack = require("webpack");

const packageName = "dash_file_cache";

const components = {
    mode: "production",
    entry: path.resolve(__dirname, "src/lib/index.js"),
    output: {
        path: path.resolve(__dirname, packageName),
        filename: `${packageName}.min.js`,
        library: packageName,
        libraryTarget: "window",
        // No absolute paths in the source map: only `webpack://dash_file_cache/./src/...`.
        devtoolModuleFilenameTemplate: `webpack://${packageName}/[resource-path]`,
        clean: false,
    },
    devtool: "source-map",
    externals: {
        react: "React",
        "react-dom": "ReactDOM",
        "prop-types": "PropTypes",
    },
    module: {
        rules: [
            {
                test: /\.jsx?$/,
                exclude: /node_modules/,
                use: { loader: "babel-loader" },
            },
        ],
    },
    resolve: { extensions: [".js", ".jsx"] },
    optimization: {
        moduleIds: "deterministic",
        chunkIds: "deterministic",
    },
    performance: { hints: false },
};

/*
 * The download worker: src/worker/ as one readable script (not minified, no source map,
 * no transpiling: service workers run only in browsers with modern JavaScript), which
 * ServiceData reads from the package and serves at `<service address>-sw.js`.
 */
const worker = {
    mode: "production",
    target: "webworker",
    entry: path.resolve(__dirname, "src/worker/index.js"),
    output: {
        path: path.resolve(__dirname, packageName, "services"),
        filename: "worker.js",
        clean: false,
    },
    devtool: false,
    plugins: [
        new webpack.BannerPlugin({
            banner:
                "dash-file-cache download worker, built by webpack from src/worker/ " +
                "(the protocol is described in src/worker/index.js, at the end of this file).",
        }),
    ],
    optimization: {
        minimize: false,
        moduleIds: "deterministic",
        chunkIds: "deterministic",
    },
    performance: { hints: false },
};

module.exports = [components, worker];
