/*
 * How DownloadLink saves a file, and what its `status` promises.
 *
 * 1. "worker" mode, whenever the page can use the service's download worker (a secure
 *    context, i.e. HTTPS or localhost; a service address of the page's own origin; see
 *    downloadWorker.js). The worker, registered lazily on the first download of each
 *    service, streams the file to disk through the browser's download manager while it
 *    reports progress to the page, resumes a dropped connection, and stops the transfer
 *    on Cancel. Any size; the tab holds about one chunk at a time. "completed" once the
 *    worker has handed the last byte to the browser.
 * 2. Otherwise ("memory" mode) the file is fetched with progress into a Blob, then saved
 *    through an object URL (revoked right after) and a hidden `<a download>`, when it
 *    is at most `max_in_memory` bytes. A HEAD request (which never consumes a one-time
 *    item) tells the size first. "completed" once the Blob is handed to the browser.
 * 3. Above `max_in_memory`, or of unknown size, with no worker ("native" mode): the URL
 *    goes straight to the browser's download manager (a hidden `<a href download>`).
 *    The page cannot see that transfer: the status is "delegated" (never "completed"),
 *    with `progress.loaded` None. Request `headers` cannot be sent that way, so a
 *    download that needs them ends in "error" instead.
 *
 * - HEAD failed (error status, network error, HEAD not allowed): plain GET with the
 *   limit applied to the GET's own Content-Length; an error status becomes "error" with
 *   the service's message.
 * - `max_in_memory` None: no HEAD, memory mode whatever the size (without a worker).
 * - `max_in_memory` 0: native mode whenever there is no worker.
 */
import { TooLargeError, fetchHead, fetchWithProgress, isAbortError } from "./fetchProgress";
import {
    NotInterceptedError,
    WorkerUnavailableError,
    downloadThroughWorker,
    workerRegistration,
    workerTarget,
} from "./downloadWorker";
import { chooseFileName } from "./fileName";

/**
 * How long an object URL outlives the click that saves it. The browser resolves the
 * URL when the download starts; the delay only covers browsers that do so after the
 * click handler returns.
 */
const REVOKE_DELAY_MS = 1000;

/** Let the browser download `href` as `name` through a hidden `<a download>`. */
export function clickDownload(href, name) {
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

const NEEDS_HEADERS =
    "This file is larger than max_in_memory and the page cannot use the download worker, " +
    "so only the browser's own download could save it, and it cannot send the request " +
    "headers this download needs.";

/** Memory mode, or native mode above `maxInMemory` (see the comment at the top). */
async function downloadWithoutWorker(url, options) {
    const { signal, fileName, fallbackName = null, maxInMemory, headers, credentials } = options;
    const { onProgress, onMode } = options;
    const limited = typeof maxInMemory === "number" && maxInMemory >= 0;
    const native = (responseHeaders, total) => {
        if (Object.keys(headers).length) {
            throw new Error(NEEDS_HEADERS);
        }
        onMode("native");
        const name =
            fileName ||
            (responseHeaders
                ? chooseFileName(null, responseHeaders, url, fallbackName)
                : fallbackName || "");
        clickDownload(url, name);
        return { status: "delegated", mode: "native", progress: { loaded: null, total } };
    };
    if (limited) {
        let head = null;
        try {
            head = await fetchHead(url, { signal, headers, credentials });
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
    onMode("memory");
    try {
        const result = await fetchWithProgress(url, {
            signal,
            onProgress,
            headers,
            credentials,
            maxBytes: limited ? maxInMemory : null,
        });
        saveBlob(result.blob, chooseFileName(fileName, result.headers, url, fallbackName));
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
 * Download one URL. Resolves to the props of the final state.
 * Rejects with an AbortError when `signal` aborts, or with the download's error.
 */
export async function runDownload(url, options) {
    const { signal, fileName, headers, credentials, onProgress, onMode } = options;
    const target = workerTarget(url);
    const registration = target ? await workerRegistration(target) : null;
    if (signal.aborted) {
        throw new DOMException("The download was cancelled.", "AbortError");
    }
    if (registration) {
        onMode("worker");
        try {
            const progress = await downloadThroughWorker(registration, target, {
                signal,
                headers,
                credentials,
                fileName,
                onProgress,
            });
            return { status: "completed", mode: "worker", progress };
        } catch (err) {
            if (err instanceof NotInterceptedError) {
                // The browser took the navigation itself: it downloads, unobserved.
                return { status: "delegated", mode: "native", progress: { loaded: null, total: null } };
            }
            if (!(err instanceof WorkerUnavailableError)) {
                throw err;
            }
        }
    }
    return downloadWithoutWorker(url, options);
}
