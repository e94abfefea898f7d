import React, { useEffect, useRef, useState } from "react";
import PropTypes from "prop-types";

import {
    createThrottledReporter,
    errorMessage,
    fetchWithProgress,
    isAbortError,
} from "../fetchProgress";
import { useDashLoading } from "../dashContext";
import { loadDirect, reuseAddress, startImage } from "../directImage";
import ProgressBar from "../fragments/ProgressBar.react";
import { useStyles } from "../styles";

/** At most one progress `setProps` per this many milliseconds (plus a final one). */
const PROGRESS_REPORT_INTERVAL_MS = 100;
/**
 * At most one re-render of the progress bar per this many milliseconds (about one
 * frame): chunks arrive far more often, and rendering each one costs the main thread
 * time the transfer and the decode need.
 */
const PROGRESS_RENDER_INTERVAL_MS = 16;

const PIXELS = /^\s*\d+(\.\d+)?\s*$/;

/** The CSS length of an `<img>` `width`/`height` attribute value, or undefined. */
function cssPixels(value) {
    if (typeof value === "number" && Number.isFinite(value)) {
        return `${value}px`;
    }
    return typeof value === "string" && PIXELS.test(value) ? `${value.trim()}px` : undefined;
}

/**
 * An image loaded with progress: a progress bar while it loads, then the picture.
 *
 * For an item of a service on the page's own origin (and `credentials` not "omit"),
 * a HEAD asks whether its answer may be reused (it may, unless it is a one-time item);
 * then the picture loads as fast as a plain `<img>`, decoding as the bytes arrive.
 * When it is still loading after 250 ms, a fetch that the browser's HTTP cache joins
 * to that same transfer counts its bytes for the progress (nothing is downloaded
 * twice; a quicker load reports no values in between). Anything else (another origin,
 * a one-time item, an answer that cannot be reused) is fetched with progress, kept as
 * a Blob and shown through an object URL. When `src` changes, the previous image stays
 * on screen until the new one has loaded (no flicker), and a load still running for an
 * older `src` is aborted. Every object URL the component makes is revoked when its
 * image is replaced and when the component unmounts.
 *
 * `id`, `className` and `style` apply to the wrapping inline-block element; `alt`,
 * `width` and `height` to the `<img>` itself, which never grows wider than the
 * wrapper. While the first image loads, a placeholder of `width` x `height` (when
 * given in pixels) holds the progress bar; later loads show it over the current image.
 * The look comes from zero-specificity rules on the class names `dfc-cached-image`,
 * `dfc-cached-image__img`, `dfc-cached-image__placeholder` and `dfc-progress*`, so
 * any CSS of the app overrides it.
 *
 * Callbacks can read `status`, `progress` and `error`: they change once per state
 * change, and `progress` at most every 100 ms while loading.
 *
 * When an address fails (a 404, a network error, data that is not an image), the
 * component shows why in place of the image: "<alt> could not be loaded: <error>", in
 * an element of class `dfc-cached-image__error` (`role="alert"`), until the next `src`.
 */
export default function CachedImage({
    id,
    src = null,
    alt = "",
    className,
    style,
    width,
    height,
    status = "idle",
    show_progress = true,
    credentials = "same-origin",
    setProps,
}) {
    // The object URL on screen. Each one is revoked by the effect below when it is
    // replaced or when the component unmounts.
    const [shown, setShown] = useState(null);
    // `{loaded, total}` while a fetch runs, else null. Updated on every chunk.
    const [local, setLocal] = useState(null);
    // Why the last address failed (shown in place of the image), else null.
    const [failure, setFailure] = useState(null);
    const loading = useDashLoading();
    useStyles();

    const latest = useRef({ setProps, status });
    latest.current = { setProps, status };
    const report = (props) => {
        if (latest.current.setProps) {
            latest.current.setProps(props);
        }
    };

    useEffect(() => {
        if (!shown) {
            return undefined;
        }
        return shown.startsWith("blob:") ? () => URL.revokeObjectURL(shown) : undefined;
    }, [shown]);

    useEffect(() => {
        setFailure(null);
        if (!src) {
            setShown(null);
            setLocal(null);
            if (latest.current.status !== "idle") {
                report({ status: "idle", progress: null, error: null });
            }
            return undefined;
        }
        const controller = new AbortController();
        const { signal } = controller;
        const reporter = createThrottledReporter(
            (progress) => report({ progress }),
            PROGRESS_REPORT_INTERVAL_MS
        );
        const renderer = createThrottledReporter(setLocal, PROGRESS_RENDER_INTERVAL_MS);
        const start = { loaded: 0, total: null };
        let reached = start; // the last progress, reported with an error
        const onProgress = (progress) => {
            reached = progress;
            renderer.push(progress);
            reporter.push(progress);
        };
        // Without cookies the HEAD, the <img> (which sends them) and the count would not
        // be one answer: such items are fetched as Blobs.
        const direct = credentials === "omit" ? null : reuseAddress(src);
        setLocal(start);
        report({ status: "loading", progress: start, error: null });
        reporter.restart();
        renderer.restart();

        (async () => {
            let made = null;
            try {
                let url = direct;
                let result = direct
                    ? await loadDirect(direct, { signal, credentials, onProgress })
                    : null;
                if (!result) {
                    const fetched = await fetchWithProgress(direct || src, {
                        signal,
                        onProgress,
                        credentials,
                        verify: false, // a Blob the browser could not keep fails to decode
                    });
                    renderer.cancel();
                    setLocal(reached); // every byte is in: the bar shows it while decoding
                    made = URL.createObjectURL(fetched.blob);
                    url = made;
                    await startImage(made).done;
                    result = { loaded: fetched.loaded, total: fetched.total ?? fetched.loaded };
                }
                if (signal.aborted) {
                    if (made) {
                        URL.revokeObjectURL(made);
                    }
                    return;
                }
                reporter.cancel();
                renderer.cancel();
                setShown(url);
                made = null;
                setLocal(null);
                report({ status: "loaded", progress: result, error: null });
            } catch (err) {
                if (made) {
                    URL.revokeObjectURL(made);
                }
                reporter.cancel();
                renderer.cancel();
                if (signal.aborted || isAbortError(err)) {
                    return;
                }
                setShown(null);
                setLocal(null);
                setFailure(errorMessage(err));
                // Where it stopped is kept: `progress` is the last one reached.
                report({ status: "error", error: errorMessage(err), progress: reached });
            }
        })();

        return () => {
            controller.abort();
            reporter.cancel();
            renderer.cancel();
        };
        // Only a new address starts a new load; status/props echoes must not.
        // eslint-disable-next-line react-hooks/exhaustive-deps
    }, [src]);

    const label = alt ? `Loading ${alt}` : "Loading image";
    const bar =
        show_progress && local ? (
            <ProgressBar
                loaded={local.loaded}
                total={local.total}
                label={label}
                overlay={Boolean(shown)}
            />
        ) : null;
    return (
        <span
            id={id}
            className={className ? `dfc-cached-image ${className}` : "dfc-cached-image"}
            style={style}
            data-dash-is-loading={loading || undefined}
        >
            {shown ? (
                <img
                    src={shown}
                    alt={alt}
                    width={width}
                    height={height}
                    className="dfc-cached-image__img"
                />
            ) : null}
            {failure && !shown ? (
                // Visible and announced: what the image is, and why it is missing.
                <span
                    className="dfc-cached-image__error"
                    role="alert"
                    style={{ width: cssPixels(width), height: cssPixels(height) }}
                >
                    {`${alt || "The image"} could not be loaded: ${failure}`}
                </span>
            ) : null}
            {bar && !shown ? (
                // The first image: a placeholder of the image's size (when given).
                <span
                    className="dfc-cached-image__placeholder"
                    style={{ width: cssPixels(width), height: cssPixels(height) }}
                >
                    {bar}
                </span>
            ) : (
                bar
            )}
        </span>
    );
}

// Names the component in React warnings despite minification.
CachedImage.displayName = "CachedImage";

CachedImage.propTypes = {
    /**
     * The ID used to identify this component in Dash callbacks.
     */
    id: PropTypes.string,

    /**
     * The address of the image, typically the value returned by
     * `ServiceData.register(...)`. Changing it loads the new image (the old one stays
     * visible until then); an empty value clears the image.
     */
    src: PropTypes.string,

    /**
     * Alternative text of the image.
     */
    alt: PropTypes.string,

    /**
     * CSS class(es) of the wrapping element.
     */
    className: PropTypes.string,

    /**
     * Inline CSS of the wrapping element (an inline-block).
     */
    style: PropTypes.object,

    /**
     * The `width` attribute of the `<img>` (CSS pixels).
     */
    width: PropTypes.oneOfType([PropTypes.number, PropTypes.string]),

    /**
     * The `height` attribute of the `<img>` (CSS pixels).
     */
    height: PropTypes.oneOfType([PropTypes.number, PropTypes.string]),

    /**
     * (Read-only, set by the component.) "idle" without `src`, "loading" while the
     * bytes arrive, "loaded" once the image is shown, "error" when the fetch failed
     * (see `error`). Callbacks get None until the first change unless the layout sets
     * it.
     */
    status: PropTypes.oneOf(["idle", "loading", "loaded", "error"]),

    /**
     * (Read-only, set by the component.) Bytes received so far, `{"loaded": int,
     * "total": int or None}`; `total` is None while the size is unknown (no
     * `Content-Length`). Updated at most every 100 ms while loading (for an item of
     * the page's own service, once the load has taken 250 ms: a quicker one goes from
     * 0 to its end), and once more when loaded (then `total` is the final size) or
     * failed (where it stopped).
     */
    progress: PropTypes.exact({
        loaded: PropTypes.number,
        total: PropTypes.number,
    }),

    /**
     * (Read-only, set by the component.) Why the last load failed: the `error` text
     * of the service's JSON answer (e.g. for a 404), else the HTTP status text or
     * network error; None when the last load succeeded.
     */
    error: PropTypes.string,

    /**
     * Whether to show a progress bar (`role="progressbar"`) while loading.
     */
    show_progress: PropTypes.bool,

    /**
     * Whether the request carries the browser's cookies and HTTP authentication, as
     * `fetch()`'s `credentials` option: "same-origin" (default) only to the page's own
     * origin; "include" to a cross-origin service too (its `serve()` must name this
     * page's origin and set `allow_credentials=True`), e.g. for items bound to their
     * owner; "omit" never.
     */
    credentials: PropTypes.oneOf(["omit", "same-origin", "include"]),

    /**
     * Dash-assigned callback that should be called to report property changes
     * to Dash, to make them available for callbacks.
     */
    setProps: PropTypes.func,
};
