/* How DownloadLink saves a file, and what its `status` promises: see ../downloadModes.js. */
import React, { useEffect, useId, useRef, useState } from "react";
import PropTypes from "prop-types";

import {
    createThrottledReporter,
    errorMessage,
    isAbortError,
    requestHeaders,
} from "../fetchProgress";
import { runDownload } from "../downloadModes";
import { useCallbackSets, useDashLoading } from "../dashContext";
import ProgressBar from "../fragments/ProgressBar.react";
import { useStyles } from "../styles";

/** At most one progress `setProps` per this many milliseconds (plus a final one). */
const PROGRESS_REPORT_INTERVAL_MS = 100;
const DEFAULT_CANCEL_LABEL = "Cancel";
const DEFAULT_PREPARING_LABEL = "Preparing";

/**
 * A download button with an in-page progress bar and a Cancel button, for files of any
 * size.
 *
 * Clicking it (or, with `auto_start`, a callback setting `url`) downloads `url` under
 * `file_name`, else the name in the response's Content-Disposition (RFC 5987
 * `filename*` first, then `filename`), else the last segment of the URL. Where the page
 * can use the service's download worker (HTTPS or localhost, a service of the page's
 * origin), the file streams to disk through the browser's download manager with
 * progress, Cancel and resume ("worker" mode). Elsewhere files up to `max_in_memory`
 * bytes are fetched into memory first ("memory" mode), larger ones are handed to the
 * browser's own download ("native" mode, status "delegated").
 *
 * `id`, `className` and `style` apply to the wrapping element, which holds the
 * button, and while downloading the progress bar and the Cancel button. The look
 * comes from zero-specificity rules on the class names `dfc-download-link`,
 * `dfc-download-link__button`, `dfc-download-link__cancel` and `dfc-progress*`, so any
 * CSS of the app overrides it.
 *
 * Callbacks can read `n_clicks`, `status`, `progress`, `error` and `mode`; each
 * state change is one update, and `progress` changes at most every 100 ms.
 *
 * Without a `url` (and without `auto_start`, where a click may make the app set one)
 * the button is disabled (`aria-disabled`, described as "Nothing to download yet.").
 * A failed or cancelled download says so next to the button (class
 * `dfc-download-link__outcome`, plus `dfc-download-link__outcome--error` for a
 * failure) until the next one starts.
 *
 * Preparing: while the app still makes the file, a callback can show that in the
 * same place through `preparing`, `{"label": str, "value": number, "total": number}`:
 * a progress bar (class `dfc-download-link__preparing`) captioned with `label`, at
 * `value` of `total` steps, or indeterminate while `total` is None. A Dash background
 * callback sets it with `progress=[Output(id, "preparing")]` and `set_progress(...)`,
 * then returns the file's address to `url` with `auto_start=True`: the component
 * clears `preparing` (sets it to None) as the download starts. The button reads as
 * busy and ignores clicks while `preparing` is set; give the callback
 * `running=[(Output(id, "preparing"), {...}, None)]` so that it is cleared however
 * the callback ends.
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
    cancel_label = DEFAULT_CANCEL_LABEL,
    headers = null,
    credentials = "same-origin",
    preparing = null,
    setProps,
}) {
    // `{loaded, total}` while a download runs, else null. Updated on every chunk.
    const [local, setLocal] = useState(null);
    // What the last download ended in, shown until the next one: null, or
    // `{failed, text}` for an error or a cancel.
    const [ended, setEnded] = useState(null);
    const hintId = useId();
    const loading = useDashLoading();
    const urlSets = useCallbackSets("url");
    useStyles();
    const job = useRef(null);
    const button = useRef(null);
    const cancelButton = useRef(null);
    // Focus was on the Cancel button when it went away: give it to the main button.
    const refocus = useRef(false);

    const latest = useRef(null);
    latest.current = {
        setProps,
        file_name,
        max_in_memory,
        n_clicks,
        headers,
        credentials,
        auto_start,
        preparing,
    };
    const report = (props) => {
        if (latest.current.setProps) {
            latest.current.setProps(props);
        }
    };

    /** Stop the running download; `status` says what to report (null: nothing). */
    const stop = (running, status) => {
        if (cancelButton.current && document.activeElement === cancelButton.current) {
            refocus.current = true;
        }
        job.current = null;
        running.controller.abort();
        running.reporter.cancel();
        setLocal(null);
        if (status) {
            report({ status, progress: running.progress });
        }
        if (status === "aborted") {
            setEnded({ failed: false, text: "Download cancelled." });
        }
    };

    const start = async (target, extraProps) => {
        if (job.current) {
            stop(job.current, "aborted");
        }
        const current = {
            url: target,
            controller: new AbortController(),
            cancelled: false,
            progress: null,
            mode: null,
            reporter: null,
        };
        job.current = current;
        setEnded(null);
        const reporter = createThrottledReporter(
            (progress) => report({ progress }),
            PROGRESS_REPORT_INTERVAL_MS
        );
        current.reporter = reporter;
        const begin = { loaded: 0, total: null };
        current.progress = begin;
        setLocal(begin);
        // The file is ready now: a preparing bar a callback left gives way to the download.
        const cleared = latest.current.preparing ? { preparing: null } : {};
        report({
            ...extraProps,
            ...cleared,
            status: "downloading",
            progress: begin,
            error: null,
            mode: null,
        });
        reporter.restart();
        const onProgress = (progress) => {
            if (job.current !== current) {
                return;
            }
            current.progress = progress;
            setLocal(progress);
            reporter.push(progress);
        };
        const onMode = (mode) => {
            current.mode = mode;
            if (job.current === current) {
                report({ mode });
            }
        };
        let outcome;
        try {
            outcome = await runDownload(target, {
                signal: current.controller.signal,
                fileName: latest.current.file_name,
                maxInMemory: latest.current.max_in_memory,
                headers: requestHeaders(latest.current.headers),
                credentials: latest.current.credentials,
                onProgress,
                onMode,
            });
        } catch (err) {
            if (job.current !== current) {
                return; // superseded, stopped or unmounted: reported (or not) there
            }
            if (current.cancelled && (isAbortError(err) || current.controller.signal.aborted)) {
                outcome = { status: "aborted", progress: current.progress };
            } else if (isAbortError(err)) {
                // The browser cancelled the download (e.g. in its download manager).
                outcome = { status: "aborted", progress: current.progress };
            } else {
                // Where it stopped is kept: `progress` is the last one reached.
                outcome = { status: "error", error: errorMessage(err), progress: current.progress };
            }
        }
        if (job.current !== current) {
            return;
        }
        reporter.cancel();
        if (cancelButton.current && document.activeElement === cancelButton.current) {
            refocus.current = true;
        }
        job.current = null;
        setLocal(null);
        if (outcome.status === "error") {
            setEnded({ failed: true, text: `Download failed: ${outcome.error}` });
        } else if (outcome.status === "aborted") {
            setEnded({ failed: false, text: "Download cancelled." });
        }
        report(outcome);
    };

    // A callback setting `url` (even to the same value) starts it with `auto_start`;
    // a new `url` stops a download of another address that is still running.
    const seen = useRef({ url, update: urlSets.update });
    const startedUrl = useRef(url); // the last url a start was decided for
    useEffect(() => {
        const previous = seen.current;
        seen.current = { url, update: urlSets.update };
        const running = job.current;
        if (url !== previous.url && running && running.url !== url) {
            stop(running, "aborted");
        }
        let wanted = null;
        if (urlSets.supported) {
            if (urlSets.update && urlSets.update !== previous.update) {
                wanted = urlSets.update.value;
                startedUrl.current = url;
            }
        } else if (url !== startedUrl.current) {
            // Also when the renderer turned out not to say which props a callback set
            // (Dash 3.0): the change it carried is taken up here, on the next run.
            wanted = url;
            startedUrl.current = url;
        }
        if (!wanted || !latest.current.auto_start) {
            return;
        }
        if (job.current && job.current.url === wanted) {
            return; // already downloading it
        }
        start(wanted, {});
        // eslint-disable-next-line react-hooks/exhaustive-deps
    }, [url, urlSets.update, urlSets.supported]);

    // Stop a memory download when the component goes away (no status is reported). A
    // worker download is the browser's own by then and goes on (it shows in the
    // browser's downloads), as would a download started from a plain link.
    useEffect(
        () => () => {
            const running = job.current;
            job.current = null;
            if (running) {
                running.reporter.cancel();
                if (running.mode !== "worker") {
                    running.controller.abort();
                }
            }
        },
        []
    );

    const running = local !== null;
    useEffect(() => {
        if (!running && refocus.current) {
            refocus.current = false;
            if (button.current) {
                button.current.focus();
            }
        }
    }, [running]);

    const onClick = () => {
        if (job.current || latest.current.preparing) {
            return; // the button reads as disabled while preparing or downloading
        }
        const clicks = { n_clicks: (latest.current.n_clicks || 0) + 1 };
        if (url) {
            start(url, clicks);
        } else {
            report(clicks);
        }
    };

    const onCancel = () => {
        const current = job.current;
        if (!current || current.cancelled) {
            return;
        }
        current.cancelled = true;
        if (current.mode === "worker") {
            // The worker stops the transfer and confirms: "aborted" then (or "completed"
            // if the last byte was already handed over).
            current.controller.abort();
        } else {
            stop(current, "aborted");
        }
    };

    const cancelText = cancel_label || DEFAULT_CANCEL_LABEL;
    // What a callback says the app is preparing (shown while no download runs).
    const prepared = !running && preparing && typeof preparing === "object" ? preparing : null;
    const busy = running || Boolean(prepared);
    // Nothing to download and nothing to ask for: a click would do nothing. (With
    // auto_start a click may make the app set `url`, so the button stays live.)
    const idle = !url && !auto_start && !busy;
    return (
        <span
            id={id}
            className={className ? `dfc-download-link ${className}` : "dfc-download-link"}
            style={style}
            data-dash-is-loading={loading || undefined}
        >
            <button
                ref={button}
                type="button"
                className="dfc-download-link__button"
                onClick={idle ? undefined : onClick}
                aria-disabled={busy || idle || undefined}
                aria-busy={busy || undefined}
                aria-describedby={idle ? hintId : undefined}
            >
                {children === null || children === undefined ? "Download" : children}
            </button>
            {idle ? (
                <span id={hintId} hidden>
                    Nothing to download yet.
                </span>
            ) : null}
            {ended && !busy ? (
                <span
                    className={
                        ended.failed
                            ? "dfc-download-link__outcome dfc-download-link__outcome--error"
                            : "dfc-download-link__outcome"
                    }
                    role="status"
                >
                    {ended.text}
                </span>
            ) : null}
            {prepared ? (
                <ProgressBar
                    loaded={typeof prepared.value === "number" ? prepared.value : 0}
                    total={typeof prepared.total === "number" ? prepared.total : null}
                    label={prepared.label || DEFAULT_PREPARING_LABEL}
                    units="count"
                    className="dfc-download-link__preparing"
                />
            ) : null}
            {running ? (
                <>
                    <ProgressBar
                        loaded={local.loaded}
                        total={local.total}
                        label="Download progress"
                        caption="Downloading"
                    />
                    <button
                        ref={cancelButton}
                        type="button"
                        className="dfc-download-link__cancel"
                        onClick={onCancel}
                    >
                        {cancelText}
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
     * `n_clicks` (a callback may then set `url`; see `auto_start`). A new `url` stops a
     * download of another address that is still running (status "aborted").
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
     * Number of times the button was clicked (to start a download, or without `url`).
     */
    n_clicks: PropTypes.number,

    /**
     * (Read-only, set by the component.) "downloading" while running, then
     * "completed" (the last byte was handed to the browser, which saves the file),
     * "delegated" (handed to the browser's own download manager, whose progress and
     * end the page cannot see: "native" mode), "aborted" (cancelled, or stopped by a new
     * `url`; nothing saved) or "error" (see `error`). Callbacks get None until the first
     * download unless the layout sets it (e.g. "idle").
     */
    status: PropTypes.oneOf(["idle", "downloading", "completed", "delegated", "aborted", "error"]),

    /**
     * (Read-only, set by the component.) Bytes received so far, `{"loaded": int,
     * "total": int or None}`; `total` is None while the size is unknown. Updated at
     * most every 100 ms while downloading and once at the end; after "aborted" or
     * "error" it says where the download stopped. In "native" mode `loaded` is None.
     */
    progress: PropTypes.exact({
        loaded: PropTypes.number,
        total: PropTypes.number,
    }),

    /**
     * (Read-only, set by the component.) Why the last download failed: the `error`
     * text of the service's JSON answer (e.g. for a 404, or an item that changed or
     * went away while a dropped connection was being resumed), else the HTTP status
     * text or network error; None after a success.
     */
    error: PropTypes.string,

    /**
     * (Read-only, set by the component.) How the current or last download is saved,
     * set once known (None before): "worker" (streamed to disk by the service's
     * download worker, with progress, Cancel and resume), "memory" (fetched with
     * progress into memory, then saved) or "native" (handed to the browser's own
     * download manager).
     */
    mode: PropTypes.oneOf(["worker", "memory", "native"]),

    /**
     * Start downloading without a click whenever a callback sets `url`, to a new
     * address or to the same one again. (The `url` the component is first rendered
     * with never starts by itself.)
     */
    auto_start: PropTypes.bool,

    /**
     * Only where the download worker cannot be used (see `mode`): the largest file, in
     * bytes, downloaded through memory with a progress bar; larger files and files of
     * unknown size are handed to the browser's download manager ("native" mode). The
     * size comes from a HEAD request. 0: always native. None: no limit and no HEAD
     * request. Default 268435456 (256 MiB).
     */
    max_in_memory: PropTypes.number,

    /**
     * Text, and accessible name, of the Cancel button shown while downloading.
     */
    cancel_label: PropTypes.string,

    /**
     * Request headers sent with every request of the download (e.g.
     * `{"Authorization": "Bearer …"}`), in every mode that can send them; a download
     * that would need "native" mode fails instead, since the browser's own download
     * cannot send headers. A cross-origin service must allow them (CORS).
     */
    headers: PropTypes.objectOf(PropTypes.string),

    /**
     * Whether requests carry the browser's cookies and HTTP authentication, as
     * `fetch()`'s `credentials` option: "same-origin" (default) only to the page's own
     * origin; "include" to a cross-origin service too (its `serve()` must name this
     * page's origin and set `allow_credentials=True`), e.g. for items bound to their
     * owner; "omit" never. The browser's own download ("native" mode) always sends the
     * cookies the browser's rules allow.
     */
    credentials: PropTypes.oneOf(["omit", "same-origin", "include"]),

    /**
     * What the app is doing before there is a file to download, shown in place of the
     * download progress: `{"label": str, "value": number, "total": number}`, a bar
     * captioned `label` (default "Preparing") at `value` of `total` (any unit: steps,
     * rows, pages), indeterminate while `total` is None. None (default): nothing is
     * being prepared. Typically set by a background callback through
     * `progress=[Output(id, "preparing")]` and `set_progress(({"label": ..., "value":
     * i, "total": n},))`, which then returns the address to `url` (with `auto_start`).
     * The component sets it back to None when a download starts; while it is set, the
     * button reads as busy and ignores clicks.
     */
    preparing: PropTypes.exact({
        label: PropTypes.string,
        value: PropTypes.number,
        total: PropTypes.number,
    }),

    /**
     * Dash-assigned callback that should be called to report property changes
     * to Dash, to make them available for callbacks.
     */
    setProps: PropTypes.func,
};
