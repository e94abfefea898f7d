/**
 * Fetch with byte-level progress: the one network helper both components use.
 *
 * `fetchWithProgress(url, options)` reads `response.body` with a stream reader,
 * reports `{loaded, total}` in bytes as chunks arrive (`total` is the
 * `Content-Length`, or `null` when the server did not send one or the body is
 * content-encoded, i.e. the progress is indeterminate), and resolves to
 * `{blob, headers, status, loaded, total}`. The chunks are gathered into the Blob as
 * they come (a few MiB at a time), so the tab does not hold the chunks and a copy of
 * them at the end: Chrome keeps Blob bytes outside the page's heap (in the browser
 * process, on disk when large).
 *
 * Failures are rejections the callers tell apart with the helpers below:
 * - abort through `options.signal`: the fetch rejects with a DOMException named
 *   "AbortError" (`isAbortError`);
 * - HTTP status >= 400: `HttpError` with `status` and the `error` text of the
 *   service's JSON body (`{"code", "message", "error"}`), else `message`, else the
 *   status text;
 * - `options.maxBytes` exceeded (or unknown length while a limit is set): the body is
 *   cancelled before it is read and the call rejects with `TooLargeError`, which
 *   carries the response headers and `total`.
 */

import { credentialsMode, requestHeaders } from "./requestOptions";

export { CREDENTIALS, credentialsMode, requestHeaders } from "./requestOptions";

export const ABORT_ERROR_NAME = "AbortError";

/** An HTTP answer with status >= 400. */
export class HttpError extends Error {
    constructor(status, message) {
        super(message);
        this.name = "HttpError";
        this.status = status;
    }
}

/** The body is larger than the caller allows in memory (see `maxBytes`). */
export class TooLargeError extends Error {
    constructor(total, headers) {
        super(
            total === null
                ? "The response has no Content-Length, so its size is unknown."
                : `The response (${total} bytes) is larger than allowed in memory.`
        );
        this.name = "TooLargeError";
        this.total = total;
        this.headers = headers;
    }
}

/** True when `error` comes from aborting a fetch or a stream read. */
export function isAbortError(error) {
    return Boolean(error) && error.name === ABORT_ERROR_NAME;
}

/** A human-readable message for any error a fetch may reject with. */
export function errorMessage(error) {
    if (!error) {
        return "Unknown error";
    }
    return error.message || String(error);
}

/**
 * The number of body bytes the reader will deliver, or null when unknown.
 * With a Content-Encoding the header counts encoded bytes, which the reader never
 * sees, so the length is treated as unknown.
 */
export function bodyLength(headers) {
    const encoding = (headers.get("Content-Encoding") || "identity").trim().toLowerCase();
    if (encoding !== "identity") {
        return null;
    }
    const value = headers.get("Content-Length");
    if (value === null || !/^\s*\d+\s*$/.test(value)) {
        return null;
    }
    const length = Number(value);
    return Number.isSafeInteger(length) ? length : null;
}

async function httpError(response) {
    let text = "";
    try {
        const type = response.headers.get("Content-Type") || "";
        if (type.includes("json")) {
            const body = await response.json();
            if (body && typeof body === "object") {
                text = body.error || body.message || "";
            }
        }
    } catch (_ignored) {
        // The body is not the service's JSON: fall back to the status text.
    }
    if (typeof text !== "string" || !text) {
        text = response.statusText || `HTTP ${response.status}`;
    }
    return new HttpError(response.status, text);
}

/** Bytes gathered before they are appended to the Blob being built. */
const BLOB_PART_BYTES = 4 * 1024 * 1024;
/** The buffer a body read for its progress only is read into. */
const COUNT_BUFFER_BYTES = 1024 * 1024;

/**
 * Ask for the headers only (HEAD). Resolves to `{ok, status, headers, total}`;
 * rejects only when aborted or on a network failure.
 */
export async function fetchHead(url, { signal, headers, credentials } = {}) {
    const response = await fetch(url, {
        credentials: credentialsMode(credentials),
        method: "HEAD",
        signal,
        headers: requestHeaders(headers),
    });
    return {
        ok: response.ok,
        status: response.status,
        headers: response.headers,
        total: bodyLength(response.headers),
    };
}

/**
 * GET `url`, streaming the body into memory while reporting progress.
 *
 * @param {string} url
 * @param {object} [options]
 * @param {AbortSignal} [options.signal] aborts the request and the body read.
 * @param {function({loaded: number, total: (number|null)})} [options.onProgress]
 *     called once with loaded 0 when the headers arrive, then after every chunk.
 * @param {number} [options.maxBytes] refuse (TooLargeError) a body larger than this
 *     many bytes, or of unknown length; omitted or null means no limit.
 * @param {object} [options.headers] request headers, `{name: value}`.
 * @param {string} [options.credentials] fetch's credentials mode ("same-origin" if
 *     omitted); "include" sends cookies to a cross-origin service.
 * @param {boolean} [options.verify] read the Blob's last byte before resolving, so a
 *     Blob the browser could not keep rejects here (default true); false for callers
 *     whose next step reads the Blob anyway and reports its failure.
 * @returns {Promise<{blob: Blob, headers: Headers, status: number, loaded: number,
 *     total: (number|null)}>}
 */
export async function fetchWithProgress(
    url,
    {
        signal,
        onProgress,
        maxBytes = null,
        headers: sent = null,
        credentials,
        verify = true,
    } = {}
) {
    const response = await fetch(url, {
        credentials: credentialsMode(credentials),
        signal,
        headers: requestHeaders(sent),
    });
    if (!response.ok) {
        throw await httpError(response);
    }
    const { headers, status } = response;
    const total = bodyLength(headers);
    if (typeof maxBytes === "number" && (total === null || total > maxBytes)) {
        dropBody(response);
        throw new TooLargeError(total, headers);
    }
    const report = (loaded) => {
        if (onProgress) {
            onProgress({ loaded, total });
        }
    };
    const type = headers.get("Content-Type") || "";
    report(0);
    if (!response.body) {
        // No stream support: one progress step at the end.
        const whole = await response.blob();
        report(whole.size);
        return { blob: whole, headers, status, loaded: whole.size, total };
    }
    const pieces = await readIntoBlobs(response.body, (loaded) => report(loaded));
    const loaded = pieces.reduce((sum, piece) => sum + piece.size, 0);
    const blob = new Blob(pieces, { type });
    if (verify) {
        await checkReadable(blob);
    }
    return { blob, headers, status, loaded, total };
}

/**
 * Count the bytes of `url` while another request of the page (an `<img>`) loads it,
 * calling `report(loaded)` after every read. The answer must be one the browser may
 * reuse (`reuse=1`): the HTTP cache then joins this fetch to that transfer, replays
 * what has already arrived and hands over the rest as it comes, so nothing is
 * downloaded twice. (Where the browser keeps no cache, e.g. with caching disabled in
 * its developer tools, this is a second download: stop it through `signal` once the
 * image is in.) Resolves to the number of bytes, or null when the answer is an error;
 * rejects when aborted through `signal` or on a network failure.
 */
export async function countAlongside(url, { signal, credentials, report }) {
    const response = await fetch(url, { credentials: credentialsMode(credentials), signal });
    if (!response.ok || !response.body) {
        dropBody(response);
        return null;
    }
    return countBytes(response.body, report);
}

/**
 * The error a GET of `url` answers: its `HttpError` (the service's JSON `error`) for a
 * status >= 400, else null (the body is not read). Only for addresses whose GET does
 * not consume anything (not one-time items).
 */
export async function errorAnswer(url, { signal, credentials }) {
    const response = await fetch(url, { credentials: credentialsMode(credentials), signal });
    if (!response.ok) {
        return httpError(response);
    }
    dropBody(response);
    return null;
}

/** Let go of `response`'s body unread (the connection may then be closed or reused). */
function dropBody(response) {
    if (response.body) {
        response.body.cancel().catch(() => undefined);
    }
}

/** A BYOB reader of `body`, or null where the browser has none. */
function byobReader(body) {
    try {
        return body.getReader({ mode: "byob" });
    } catch (_unsupported) {
        return null;
    }
}

/**
 * Read `body` to its end keeping nothing, calling `report(loaded)` after every read.
 * A BYOB reader fills one buffer over and over (no chunk is allocated per read).
 */
async function countBytes(body, report) {
    const byob = byobReader(body);
    const reader = byob || body.getReader();
    let buffer = byob ? new ArrayBuffer(COUNT_BUFFER_BYTES) : null;
    let loaded = 0;
    try {
        for (;;) {
            const { done, value } = await (byob // eslint-disable-line no-await-in-loop
                ? byob.read(new Uint8Array(buffer))
                : reader.read());
            if (value) {
                buffer = value.buffer;
                loaded += value.byteLength;
            }
            if (done) {
                return loaded;
            }
            report(loaded);
        }
    } finally {
        reader.releaseLock();
    }
}

/**
 * Read `body` into Blobs of about BLOB_PART_BYTES each, calling `report(loaded)` after
 * every read. The Blob constructor copies the bytes out of the buffer it is given, so
 * with a BYOB reader one buffer serves the whole body: the page holds a few MiB, not
 * every network chunk until the garbage collector runs. Without BYOB support, network
 * chunks are gathered and turned into a Blob every BLOB_PART_BYTES.
 */
async function readIntoBlobs(body, report) {
    const pieces = [];
    let loaded = 0;
    const byob = byobReader(body);
    if (byob) {
        let buffer = new ArrayBuffer(BLOB_PART_BYTES);
        let filled = 0;
        try {
            for (;;) {
                // eslint-disable-next-line no-await-in-loop
                const { done, value } = await byob.read(
                    new Uint8Array(buffer, filled, BLOB_PART_BYTES - filled)
                );
                if (value) {
                    buffer = value.buffer; // the same memory, under a new ArrayBuffer
                    filled += value.byteLength;
                    loaded += value.byteLength;
                }
                if (filled === BLOB_PART_BYTES || (done && filled)) {
                    pieces.push(new Blob([new Uint8Array(buffer, 0, filled)]));
                    filled = 0;
                }
                if (done) {
                    break;
                }
                report(loaded);
            }
        } finally {
            byob.releaseLock();
        }
        report(loaded);
        return pieces;
    }
    const reader = body.getReader();
    let parts = [];
    let partBytes = 0;
    try {
        for (;;) {
            // eslint-disable-next-line no-await-in-loop
            const { done, value } = await reader.read();
            if (done) {
                break;
            }
            parts.push(value);
            partBytes += value.byteLength;
            loaded += value.byteLength;
            if (partBytes >= BLOB_PART_BYTES) {
                // The browser takes the bytes into the Blob; the chunks can go.
                pieces.push(new Blob(parts));
                parts = [];
                partBytes = 0;
            }
            report(loaded);
        }
    } finally {
        reader.releaseLock();
    }
    pieces.push(new Blob(parts));
    return pieces;
}

/**
 * Make sure the browser really holds all of `blob`: reading its last byte waits until the
 * Blob is complete, and fails when the browser could not keep it (Chrome keeps Blob data
 * in memory up to a limit, then on disk, and gives up beyond that).
 */
async function checkReadable(blob) {
    if (blob.size === 0) {
        return;
    }
    try {
        await blob.slice(blob.size - 1).arrayBuffer();
    } catch (err) {
        throw new Error(
            `The browser could not keep the file in memory (${err && err.name}); ` +
                "a smaller max_in_memory hands files this large to its own download."
        );
    }
}

/**
 * Rate-limit progress reports: `push(value)` calls `send(value)` at once when the
 * last send was at least `intervalMs` ago, else keeps the newest value and sends it
 * when the interval is over (so a stalled transfer still reports where it stopped).
 * `cancel()` drops a pending value: call it before reporting a final state, which
 * carries the final progress itself.
 */
export function createThrottledReporter(send, intervalMs, now = () => Date.now()) {
    let last = -Infinity;
    let timer = null;
    let pending = null;
    const flush = () => {
        timer = null;
        last = now();
        send(pending);
        pending = null;
    };
    return {
        /** Start the first interval now (e.g. right after reporting the start state). */
        restart() {
            last = now();
        },
        push(value) {
            pending = value;
            const wait = last + intervalMs - now();
            if (wait <= 0) {
                if (timer !== null) {
                    clearTimeout(timer);
                }
                flush();
            } else if (timer === null) {
                timer = setTimeout(flush, wait);
            }
        },
        cancel() {
            if (timer !== null) {
                clearTimeout(timer);
                timer = null;
            }
            pending = null;
        },
    };
}
