/*
 * Builds the one browser bundle Dash serves for this package.
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

const packageName = "dash_file_cache";

module.exports = {
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
