/*
 * Large files: how DownloadLink keeps a huge download from exhausting the tab.
 *
 * A download saved from JavaScript must sit in memory as a Blob until it is handed to
 * the browser, so in-memory downloads (the ones with a progress bar and a Cancel
 * button) are limited to `max_in_memory` bytes (default 256 MiB). To learn the size
 * before any body byte is read, the component first sends a HEAD request (our service
 * answers HEAD with the same headers as GET, without the body and without consuming
 * a one-time item):
 *
 * - HEAD ok, Content-Length <= max_in_memory: GET with streamed progress, save the
 *   Blob through an object URL (revoked right after) and a hidden `<a download>`.
 * - HEAD ok, Content-Length above the limit, or no Content-Length (size unknown):
 *   "native" mode. The URL goes straight to the browser's download manager through a
 *   hidden `<a href download>` click; the browser streams it to disk. The component
 *   cannot observe that transfer: it reports status "completed" and mode "native" at
 *   once, with `progress.loaded` None. In this mode the server's Content-Disposition
 *   file name wins over `file_name` (HTML rule for `download`), and cross-origin URLs
 *   may open instead of downloading.
 * - HEAD failed (error status, network error, HEAD not allowed): plain GET with the
 *   limit applied to the GET's own Content-Length; an error status becomes status
 *   "error" with the service's message; a body too large or of unknown size is
 *   cancelled before reading and the URL handed to the native path (for a one-time
 *   item that GET already consumed it, so the browser would then get a 404; our
 *   service answers HEAD, so this does not arise with it).
 * - `max_in_memory` None: no HEAD, every download goes through memory.
 * - `max_in_memory` 0: every download is native.
 */
import React, { useEffect, useRef, useState } from "react";
import PropTypes from "prop-types";

import {
    TooLargeError,
    createThrottledReporter,
    errorMessage,
    fetchHead,
    fetchWithProgress,
    isAbortError,
} from "../fetchProgress";
import { chooseFileName } from "../fileName";
import { useDashLoading } from "../dashContext";
import ProgressBar from "../fragments/ProgressBar.react";
import { useStyles } from "../styles";

/** At most one progress `setProps` per this many milliseconds (plus a final one). */
const PROGRESS_REPORT_INTERVAL_MS = 100;
/**
 * The default of `max_in_memory`: 256 MiB. Written out as a literal in the argument
 * list, where react-docgen reads defaults from (it prints expressions verbatim).
 */
/**
 * How long an object URL outlives the click that saves it. The browser resolves the
 * URL when the download starts; the delay only covers browsers that do so after the
 * click handler returns.
 */
const REVOKE_DELAY_MS = 1000;

/** Let the browser download `href` as `name` through a hidden `<a download>`. */
function clickDownload(href, name) {
    const anchor = document.createElement("a");
    anchor.href = href;
    anchor.download = name || "";
    anchor.rel = "noopener";
    anchor.style.display = "none";
    document.body.appendChild(anchor);
    anchor.click();
    anchor.remove();
}

function saveBlob(blob, name) {
    const href = URL.createObjectURL(blob);
    clickDownload(href, name);
    setTimeout(() => URL.revokeObjectURL(href), REVOKE_DELAY_MS);
}

/**
 * Download one URL. Resolves to the props of the final state.
 * Rejects with an AbortError when `signal` aborts, or with the fetch's error.
 */
async function runDownload(url, { signal, fileName, maxInMemory, onProgress }) {
    const limited = typeof maxInMemory === "number" && maxInMemory >= 0;
    const native = (headers, total) => {
        const explicit = fileName || null;
        const name = explicit || (headers ? chooseFileName(null, headers, url) : "");
        clickDownload(url, name);
        return { status: "completed", mode: "native", progress: { loaded: null, total } };
    };
    if (limited) {
        let head = null;
        try {
            head = await fetchHead(url, { signal });
        } catch (err) {
            if (isAbortError(err) || signal.aborted) {
                throw err;
            }
            // Network failure on HEAD: let the GET below report it (or succeed).
        }
        if (head && head.ok && (head.total === null || head.total > maxInMemory)) {
            return native(head.headers, head.total);
        }
    }
    try {
        const result = await fetchWithProgress(url, {
            signal,
            onProgress,
            maxBytes: limited ? maxInMemory : null,
        });
        saveBlob(result.blob, chooseFileName(fileName, result.headers, url));
        return {
            status: "completed",
            mode: "memory",
            progress: { loaded: result.loaded, total: result.total ?? result.loaded },
        };
    } catch (err) {
        if (err instanceof TooLargeError) {
            return native(err.headers, err.total);
        }
        throw err;
    }
}

/**
 * A download button with an in-page progress bar and a Cancel button.
 *
 * Clicking it (or, with `auto_start`, a callback setting `url`) fetches `url` with
 * streamed progress and saves the file under `file_name`, else the name in the
 * response's Content-Disposition (RFC 5987 `filename*` first, then `filename`), else
 * the last segment of the URL. Files above `max_in_memory` bytes, or of unknown
 * size, go to the browser's own download manager instead ("native" mode), so a huge
 * file never has to fit in the tab's memory; the size is learnt from a HEAD request.
 *
 * `id`, `className` and `style` apply to the wrapping element, which holds the
 * button, and while downloading the progress bar and the Cancel button. The look
 * comes from zero-specificity rules on the class names `dfc-download-link`,
 * `dfc-download-link__button`, `dfc-download-link__cancel` and `dfc-progress*`, so any
 * CSS of the app overrides it.
 *
 * Callbacks can read `n_clicks`, `status`, `progress`, `error` and `mode`; each
 * state change is one update, and `progress` changes at most every 100 ms.
 */
export default function DownloadLink({
    id,
    url = null,
    children = null,
    file_name = null,
    className,
    style,
    n_clicks = 0,
    auto_start = false,
    max_in_memory = 268435456, // eslint-disable-line no-magic-numbers -- 256 MiB
    cancel_label = "Cancel",
    setProps,
}) {
    // `{loaded, total}` while a download runs, else null. Updated on every chunk.
    const [local, setLocal] = useState(null);
    const loading = useDashLoading();
    useStyles();
    const job = useRef(null);

    const latest = useRef(null);
    latest.current = { setProps, file_name, max_in_memory, n_clicks };
    const report = (props) => {
        if (latest.current.setProps) {
            latest.current.setProps(props);
        }
    };

    const start = async (target, extraProps) => {
        if (job.current) {
            job.current.controller.abort();
            job.current.reporter.cancel();
        }
        const current = {
            controller: new AbortController(),
            cancelled: false,
            progress: null,
            reporter: null,
        };
        job.current = current;
        const reporter = createThrottledReporter(
            (progress) => report({ progress }),
            PROGRESS_REPORT_INTERVAL_MS
        );
        current.reporter = reporter;
        const begin = { loaded: 0, total: null };
        current.progress = begin;
        setLocal(begin);
        report({ ...extraProps, status: "downloading", progress: begin, error: null, mode: null });
        reporter.restart();
        const onProgress = (progress) => {
            current.progress = progress;
            setLocal(progress);
            reporter.push(progress);
        };
        let outcome;
        try {
            outcome = await runDownload(target, {
                signal: current.controller.signal,
                fileName: latest.current.file_name,
                maxInMemory: latest.current.max_in_memory,
                onProgress,
            });
        } catch (err) {
            reporter.cancel();
            if (job.current !== current) {
                return; // superseded by a newer download, or unmounted
            }
            if (current.cancelled && (isAbortError(err) || current.controller.signal.aborted)) {
                outcome = { status: "aborted", progress: current.progress };
            } else {
                outcome = { status: "error", error: errorMessage(err) };
            }
        }
        reporter.cancel();
        if (job.current !== current) {
            return;
        }
        job.current = null;
        setLocal(null);
        report(outcome);
    };

    // A new `url` from a callback starts by itself with `auto_start`.
    const shownUrl = useRef(url);
    useEffect(() => {
        if (shownUrl.current === url) {
            return;
        }
        shownUrl.current = url;
        if (auto_start && url) {
            start(url, {});
        }
        // eslint-disable-next-line react-hooks/exhaustive-deps
    }, [url]);

    // Abort whatever runs when the component goes away (no status is reported).
    useEffect(
        () => () => {
            const running = job.current;
            job.current = null;
            if (running) {
                running.controller.abort();
                running.reporter.cancel();
            }
        },
        []
    );

    const onClick = () => {
        const clicks = { n_clicks: (latest.current.n_clicks || 0) + 1 };
        if (url) {
            start(url, clicks);
        } else {
            report(clicks);
        }
    };

    const onCancel = () => {
        if (job.current) {
            job.current.cancelled = true;
            job.current.controller.abort();
        }
    };

    const running = local !== null;
    return (
        <span
            id={id}
            className={className ? `dfc-download-link ${className}` : "dfc-download-link"}
            style={style}
            data-dash-is-loading={loading || undefined}
        >
            <button
                type="button"
                className="dfc-download-link__button"
                onClick={onClick}
                disabled={running}
                aria-busy={running || undefined}
            >
                {children === null || children === undefined ? "Download" : children}
            </button>
            {running ? (
                <>
                    <ProgressBar
                        loaded={local.loaded}
                        total={local.total}
                        label="Download progress"
                        caption="Downloading"
                    />
                    <button
                        type="button"
                        className="dfc-download-link__cancel"
                        aria-label="Cancel download"
                        onClick={onCancel}
                    >
                        {cancel_label}
                    </button>
                </>
            ) : null}
        </span>
    );
}

// Names the component in React warnings despite minification.
DownloadLink.displayName = "DownloadLink";

DownloadLink.propTypes = {
    /**
     * The ID used to identify this component in Dash callbacks.
     */
    id: PropTypes.string,

    /**
     * The address to download, typically the value returned by
     * `ServiceData.register(..., download=True)`. Without it a click only counts
     * `n_clicks` (a callback may then set `url`; see `auto_start`).
     */
    url: PropTypes.string,

    /**
     * The button's label (text or components). Default: "Download".
     */
    children: PropTypes.node,

    /**
     * Save the file under this name. None: the name from the response's
     * Content-Disposition, else the last segment of the URL's path. (In "native"
     * mode the server's Content-Disposition name takes precedence.)
     */
    file_name: PropTypes.string,

    /**
     * CSS class(es) of the wrapping element.
     */
    className: PropTypes.string,

    /**
     * Inline CSS of the wrapping element (an inline-flex row).
     */
    style: PropTypes.object,

    /**
     * Number of times the button was clicked.
     */
    n_clicks: PropTypes.number,

    /**
     * (Read-only, set by the component.) "downloading" while running, then
     * "completed", "aborted" (cancelled, nothing saved) or "error" (see `error`).
     * Callbacks get None until the first download unless the layout sets it.
     */
    status: PropTypes.oneOf(["idle", "downloading", "completed", "aborted", "error"]),

    /**
     * (Read-only, set by the component.) Bytes received so far, `{"loaded": int,
     * "total": int or None}`; `total` is None while the size is unknown. Updated at
     * most every 100 ms while downloading and once at the end. In "native" mode
     * `loaded` is None: the browser does the transfer.
     */
    progress: PropTypes.exact({
        loaded: PropTypes.number,
        total: PropTypes.number,
    }),

    /**
     * (Read-only, set by the component.) Why the last download failed: the `error`
     * text of the service's JSON answer (e.g. for a 404), else the HTTP status text
     * or network error; None after a success.
     */
    error: PropTypes.string,

    /**
     * (Read-only, set by the component.) How the last completed download was saved:
     * "memory" (fetched with progress, saved from a Blob) or "native" (handed to the
     * browser's download manager because it is larger than `max_in_memory` or of
     * unknown size). None while downloading.
     */
    mode: PropTypes.oneOf(["memory", "native"]),

    /**
     * When a callback sets or changes `url`, start downloading it without a click.
     * (The `url` the component is first rendered with never starts by itself.)
     */
    auto_start: PropTypes.bool,

    /**
     * The largest file, in bytes, downloaded through memory with a progress bar;
     * larger files and files of unknown size are handed to the browser's download
     * manager. The size comes from a HEAD request. 0: always native. None: no limit
     * and no HEAD request. Default 268435456 (256 MiB).
     */
    max_in_memory: PropTypes.number,

    /**
     * Text of the Cancel button shown while downloading (its accessible name is
     * always "Cancel download").
     */
    cancel_label: PropTypes.string,

    /**
     * Dash-assigned callback that should be called to report property changes
     * to Dash, to make them available for callbacks.
     */
    setProps: PropTypes.func,
};
