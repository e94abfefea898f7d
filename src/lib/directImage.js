/**
 * How CachedImage loads a picture: straight into an `<img>` where the answer allows
 * it, as fast as a plain `<img>`, with its progress counted on the side.
 */

import { countAlongside, errorAnswer, fetchHead } from "./fetchProgress";
import { ownServiceAddress } from "./serviceAddress";

const NOT_AN_IMAGE = "The data could not be decoded as an image.";

/**
 * How long a direct load runs before its bytes are counted for the progress. Counting
 * is a second reader of the same transfer, which costs a fast load (on 2 cores, about
 * 40 ms of a 20 MB PNG over loopback); a load this quick needs no progress values.
 */
const COUNT_DELAY_MS = 250;

/**
 * Start loading `url` as an image: `{done, cancel}`, where `done` resolves once it has
 * loaded and been decoded, so swapping it in neither flickers nor waits for a decode at
 * its first paint. `HTMLImageElement.decode()` decodes off the main thread, and the
 * `<img>` that then shows the same URL paints the decoded picture; where it is
 * missing, the `load` event is the fallback. `cancel()` stops the load.
 */
export function startImage(url) {
    const image = new Image();
    image.decoding = "async";
    let done;
    if (typeof image.decode === "function") {
        image.src = url;
        done = image.decode().catch(() => {
            throw new Error(NOT_AN_IMAGE);
        });
    } else {
        done = new Promise((resolve, reject) => {
            image.onload = () => resolve();
            image.onerror = () => reject(new Error(NOT_AN_IMAGE));
            image.src = url;
        });
    }
    done.catch(() => undefined); // awaited later, or dropped when cancelled
    return { done, cancel: () => image.removeAttribute("src") };
}

/**
 * The address to load for `src`: for an item of a service on this page's origin,
 * `src` with `reuse=1`, which lets the browser reuse the answer for a few seconds, so
 * the `<img>` and the count of its bytes share one transfer through the HTTP cache.
 * Anything else (another origin, not a service's address): null.
 */
export function reuseAddress(src) {
    const url = ownServiceAddress(src);
    if (!url) {
        return null;
    }
    url.searchParams.set("reuse", "1");
    return url.href;
}

/** Whether the browser may reuse an answer with these headers without asking again. */
function reusable(headers) {
    const control = (headers.get("Cache-Control") || "").toLowerCase();
    return /(^|,)\s*max-age=[1-9]/.test(control) && !/no-store|no-cache/.test(control);
}

/** The page's resource timing of the last load of `url`, or null when it has none. */
function lastTiming(url) {
    if (typeof performance === "undefined" || !performance.getEntriesByName) {
        return null;
    }
    const entries = performance.getEntriesByName(url);
    return entries.length ? entries[entries.length - 1] : null;
}

/** The body size of the last load of `url` its resource timing knows, or null. */
function transferredSize(url) {
    const timing = lastTiming(url);
    const size = timing && timing.decodedBodySize;
    return Number.isSafeInteger(size) && size > 0 ? size : null;
}

/**
 * Why the image at `address` (whose HEAD was fine, announcing `total` bytes) did not
 * load: the service's error when its answer was one, NOT_AN_IMAGE when every byte came,
 * or null when the bytes stopped early (the connection closed, or the browser gave up
 * on data it could not decode): the caller then fetches the address, which the HTTP
 * cache resumes where the bytes stopped (a range request) and which tells the two
 * apart. The page's resource timing says which without asking again; without it, a
 * HEAD does.
 */
async function directFailure(address, total, { signal, credentials }) {
    const timing = lastTiming(address);
    const status = timing ? timing.responseStatus : undefined;
    const received = timing ? timing.decodedBodySize : undefined;
    if (status === 200 && total !== null && Number.isSafeInteger(received)) {
        return received < total ? null : new Error(NOT_AN_IMAGE);
    }
    if (!(status >= 400) && (await fetchHead(address, { signal, credentials })).ok) {
        return total === null ? new Error(NOT_AN_IMAGE) : null;
    }
    return (await errorAnswer(address, { signal, credentials })) || new Error(NOT_AN_IMAGE);
}

function abortError() {
    return new DOMException("The load was aborted.", "AbortError");
}

/**
 * Load `address` (from `reuseAddress`) straight into an image when its answer may be
 * reused. A HEAD (which never consumes an item) asks first: an error, a one-time item
 * or an answer that cannot be reused resolves to null, and the caller fetches the bytes
 * itself. Otherwise the image loads as a plain `<img>` would, decoding as the bytes
 * arrive; after COUNT_DELAY_MS a fetch of the same address, which the HTTP cache joins
 * to that transfer, counts the bytes received so far and then as they come
 * (`onProgress({loaded, total})`) until the image is in. Resolves to the final
 * `{loaded, total}` once the image is decoded, or to null when its bytes stopped early
 * (the caller's fetch then resumes them and tells why); rejects with the service's
 * error (a status >= 400), NOT_AN_IMAGE, or an AbortError.
 */
export async function loadDirect(address, { signal, credentials, onProgress }) {
    let head;
    try {
        head = await fetchHead(address, { signal, credentials });
    } catch (_failed) {
        if (signal.aborted) {
            throw abortError();
        }
        return null; // a network failure: the caller's fetch reports it
    }
    if (!head.ok || !reusable(head.headers)) {
        return null;
    }
    const { total } = head;
    onProgress({ loaded: 0, total });
    const image = startImage(address);
    const counting = new AbortController();
    const stop = () => {
        counting.abort();
        image.cancel();
    };
    signal.addEventListener("abort", stop);
    let counted = null;
    const timer = setTimeout(() => {
        countAlongside(address, {
            signal: counting.signal,
            credentials,
            report: (loaded) => onProgress({ loaded, total }),
        }).then(
            (bytes) => {
                counted = bytes;
            },
            () => undefined // stopped: the image is in, or the load was aborted
        );
    }, COUNT_DELAY_MS);
    try {
        await image.done;
    } catch (_undecoded) {
        if (signal.aborted) {
            throw abortError();
        }
        const failure = await directFailure(address, total, { signal, credentials });
        if (failure) {
            throw failure;
        }
        return null; // the bytes stopped early: the caller's fetch resumes them
    } finally {
        clearTimeout(timer);
        counting.abort();
        signal.removeEventListener("abort", stop);
    }
    if (signal.aborted) {
        throw abortError();
    }
    const loaded = total ?? counted ?? transferredSize(address) ?? 0;
    return { loaded, total: total ?? loaded };
}
