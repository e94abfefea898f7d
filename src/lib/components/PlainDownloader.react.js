/* dash-file-cache 0.2.0's PlainDownloader: the browser's own download of `url`. */
import React, { useEffect, useRef } from "react";
import PropTypes from "prop-types";

import { clickDownload } from "../downloadModes";
import { useDashLoading } from "../dashContext";

/**
 * The compatibility API of dash-file-cache 0.2.0: each time a callback sets `url`, the
 * browser downloads it by itself (a hidden `<a href download>`), then `url` is reset to
 * `""`. No request headers, no progress and no status, as in 0.2.0; new code should use
 * `DownloadLink`.
 */
export default function PlainDownloader({ id, url = "", setProps }) {
    const loading = useDashLoading();
    const latest = useRef(setProps);
    latest.current = setProps;
    useEffect(() => {
        if (typeof url !== "string" || !url) {
            return;
        }
        clickDownload(url, "");
        if (latest.current) {
            latest.current({ url: "" });
        }
    }, [url]);
    return <div id={id} data-dash-is-loading={loading || undefined} />;
}

// `url` before `id`: the generated Python class takes its props positionally in this
// order, and 0.2.0's took `url` first (`PlainDownloader("/addr")`).
PlainDownloader.propTypes = {
    /**
     * The address to download: setting it starts the browser's own download, after
     * which it is reset to `""`.
     */
    url: PropTypes.string,

    /**
     * The ID used to identify this component in Dash callbacks.
     */
    id: PropTypes.string,

    /**
     * Dash-assigned callback that reports property changes to Dash.
     */
    setProps: PropTypes.func,
};
