/* dash-file-cache 0.2.0's Downloader, on DownloadLink's download paths (../downloadModes.js). */
import React, { useEffect, useRef } from "react";
import PropTypes from "prop-types";

import { requestHeaders } from "../fetchProgress";
import { runDownload } from "../downloadModes";
import { useDashLoading } from "../dashContext";
import {
    crossOriginStatus,
    failureStatus,
    successStatus,
    warnMitmOnce,
} from "../compat/status";

/** `{url, fileNameFallback}` from a string or a `{url, file_name_fallback}`; or null. */
function readUrl(url) {
    if (typeof url === "string") {
        return url ? { url, fileNameFallback: null } : null;
    }
    if (url && typeof url === "object" && typeof url.url === "string" && url.url) {
        const fallback = url.file_name_fallback;
        return { url: url.url, fileNameFallback: typeof fallback === "string" && fallback ? fallback : null };
    }
    return null;
}

function sameOrigin(url) {
    try {
        return new URL(url, window.location.href).origin === window.location.origin;
    } catch (_invalid) {
        return false;
    }
}

/**
 * The compatibility API of dash-file-cache 0.2.0: a download started by setting `url`.
 *
 * Each time a callback sets `url` (a string, or `{url, file_name_fallback}`), the file
 * is downloaded; then `url` is reset to `""` and `status` reports the outcome as 0.2.0
 * did (`{type, code, http_code}`, `type` one of "success", "error-connect",
 * "error-config", "error-io", "error-unknown"). It saves the way `DownloadLink` does
 * (the service's download worker where the page can use it, else in memory up to 256
 * MiB, else the browser's own download), not through StreamSaver, so `mitm` is ignored
 * (with a console warning). It renders nothing visible; new code should use
 * `DownloadLink`, which shows progress and Cancel.
 */
export default function Downloader({
    id,
    url = "",
    headers = null,
    allow_cross_origin = false,
    mitm = null,
    setProps,
}) {
    const loading = useDashLoading();
    const latest = useRef(null);
    latest.current = { setProps, headers, allow_cross_origin };
    useEffect(() => warnMitmOnce(mitm), [mitm]);

    useEffect(() => {
        const target = readUrl(url);
        if (!target) {
            return;
        }
        const finish = (status) => {
            if (latest.current.setProps) {
                latest.current.setProps({ url: "", status });
            }
        };
        if (!latest.current.allow_cross_origin && !sameOrigin(target.url)) {
            finish(crossOriginStatus());
            return;
        }
        let received = 0;
        runDownload(target.url, {
            signal: new AbortController().signal, // 0.2.0 had no cancel
            fileName: null,
            fallbackName: target.fileNameFallback,
            maxInMemory: 268435456, // eslint-disable-line no-magic-numbers -- 256 MiB
            headers: requestHeaders(latest.current.headers),
            credentials: "same-origin",
            onProgress: (progress) => {
                received = progress.loaded || 0;
            },
            onMode: () => {},
        }).then(
            () => finish(successStatus()),
            (err) => finish(failureStatus(err, received))
        );
    }, [url]);

    return <div id={id} data-dash-is-loading={loading || undefined} />;
}

// `url` before `id`: the generated Python class takes its props positionally in this
// order, and 0.2.0's took `url` first (`Downloader("/addr")`).
Downloader.propTypes = {
    /**
     * The address to download: setting it starts a download, after which it is reset to
     * `""`. A string, or `{url, file_name_fallback}` where `file_name_fallback` names
     * the file when the response's Content-Disposition gives no name.
     */
    url: PropTypes.oneOfType([
        PropTypes.string,
        PropTypes.exact({
            url: PropTypes.string.isRequired,
            file_name_fallback: PropTypes.string,
        }),
    ]),

    /**
     * The ID used to identify this component in Dash callbacks.
     */
    id: PropTypes.string,

    /**
     * Extra request headers of the download (e.g. authentication).
     */
    headers: PropTypes.object,

    /**
     * Allow a `url` of another origin (which must answer with CORS headers). Without
     * it such a download ends at once with `status.type` "error-config".
     */
    allow_cross_origin: PropTypes.bool,

    /**
     * The outcome of the last download, set when it ends: `type` (also sent as `code`,
     * as 0.2.0 did) and `http_code`. "success" also for a file handed to the browser's
     * own download (its HTTP status is then assumed to be 200).
     */
    status: PropTypes.exact({
        type: PropTypes.oneOf([
            "success",
            "error-connect",
            "error-config",
            "error-io",
            "error-unknown",
        ]),
        code: PropTypes.oneOf([
            "success",
            "error-connect",
            "error-config",
            "error-io",
            "error-unknown",
        ]),
        http_code: PropTypes.number,
    }),

    /**
     * Accepted for dash-file-cache 0.2.0 code and ignored (0.2.0 named a StreamSaver
     * "man in the middle" page here); a console warning says so once.
     */
    mitm: PropTypes.string,

    /**
     * Dash-assigned callback that reports property changes to Dash.
     */
    setProps: PropTypes.func,
};
