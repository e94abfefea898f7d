/*
 * The 0.2.0 compatibility components (Downloader, PlainDownloader): what a finished
 * download reports as `status`, in dash-file-cache 0.2.0's shape.
 *
 * `{type, code, http_code}`: 0.2.0 declared the key as `type` in its Python typed dict and
 * sent it as `code` from the browser; both carry the same value here, so code written
 * against either keeps working.
 */
import { isAbortError } from "../fetchProgress";

/** A download that was handed to the browser (memory, worker) or delegated to it. */
export function successStatus() {
    return { type: "success", code: "success", http_code: 200 };
}

function status(type, httpCode) {
    return { type, code: type, http_code: httpCode };
}

/** The URL is on another origin and the component does not allow cross-origin reads. */
export function crossOriginStatus() {
    return status("error-config", 400);
}

/**
 * The 0.2.0 status of a failed download.
 *
 * - the server answered an error status: "error-connect" with that status (as 0.2.0);
 * - a set-up the page cannot serve (a file above max_in_memory that needs headers, a
 *   browser without streams): "error-config";
 * - the transfer broke or was cancelled after bytes arrived: "error-io";
 * - anything else (no answer at all: a network failure, a refused connection):
 *   "error-unknown" with 400, as 0.2.0 reported a failed fetch().
 */
export function failureStatus(err, received) {
    if (err && typeof err.status === "number" && err.status >= 400) {
        return status("error-connect", err.status);
    }
    if (err && err.name === "TooLargeError") {
        return status("error-config", 400);
    }
    if (received > 0 || isAbortError(err)) {
        return status("error-io", 200);
    }
    return status("error-unknown", 400);
}

let warnedMitm = false;

/** 0.2.0's `mitm` (a StreamSaver page) has no use here: say so once per page. */
export function warnMitmOnce(mitm) {
    if (warnedMitm || typeof mitm !== "string" || !mitm) {
        return;
    }
    warnedMitm = true;
    // eslint-disable-next-line no-console
    console.warn(
        "dash-file-cache: Downloader's `mitm` prop is ignored: downloads stream through " +
            "the service's own download worker (see DownloadLink); ServiceDownloader " +
            "serves nothing any more."
    );
}
