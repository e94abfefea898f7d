/*! dash-file-cache download worker, built by webpack from src/worker/ (the protocol is described in src/worker/index.js, at the end of this file). */
/******/ (() => { // webpackBootstrap
/******/ 	"use strict";

;// ./src/worker/chunks.js
/*
 * Memory. Every chunk a stream hands over is a new ArrayBuffer, garbage once the
 * browser has copied it to the download; at local network speed that garbage (hundreds
 * of MiB per GiB) outruns the collector. So the body is read with a BYOB reader into
 * CHUNK_BYTES buffers of the worker's own, and each buffer is used again once the
 * browser has taken its bytes: the download stream has no queue (highWaterMark 0) and
 * the browser asks for the next chunk (pull) only after copying the previous one, and a
 * buffer waits for REUSE_AFTER further chunks before it is refilled. (Reading into it
 * detaches any view still held on it, so a misuse would fail loudly, never corrupt.)
 */
const CHUNK_BYTES = 1024 * 1024;
const REUSE_AFTER = 2; // chunks
// A chunk is handed over once full, or once this long has passed since it began.
const CHUNK_MAX_WAIT_MS = 100;

/** `{read(), cancel()}` over a body: `read()` resolves to `{done, value}` like a reader's. */
function chunkReader(body) {
    let byob = null;
    try {
        byob = body.getReader({ mode: "byob" });
    } catch (_unsupported) {
        byob = null;
    }
    if (!byob) {
        const reader = body.getReader();
        return { read: () => reader.read(), cancel: () => reader.cancel() };
    }
    let finished = false;
    const handed = []; // buffers whose bytes the browser has (or is about to have)
    return {
        async read() {
            if (finished) {
                return { done: true, value: undefined };
            }
            let buffer = handed.length > REUSE_AFTER ? handed.shift() : new ArrayBuffer(CHUNK_BYTES);
            let filled = 0;
            const began = Date.now();
            while (filled < CHUNK_BYTES) {
                // eslint-disable-next-line no-await-in-loop
                const { done, value } = await byob.read(
                    new Uint8Array(buffer, filled, CHUNK_BYTES - filled)
                );
                if (value) {
                    buffer = value.buffer; // the same memory, under a new ArrayBuffer
                    filled += value.byteLength;
                }
                if (done) {
                    finished = true;
                    break;
                }
                if (Date.now() - began >= CHUNK_MAX_WAIT_MS) {
                    break;
                }
            }
            handed.push(buffer);
            return filled
                ? { done: false, value: new Uint8Array(buffer, 0, filled) }
                : { done: true, value: undefined };
        },
        cancel: () => byob.cancel(),
    };
}

;// ./src/worker/http.js
/* Small pieces of the worker's HTTP work: errors, headers, names. */

/** An error whose message is shown to the user as it is. */
class DownloadError extends Error {
    constructor(message, status = null) {
        super(message);
        this.status = status;
    }
}

function sleep(ms) {
    return new Promise((resolve) => {
        setTimeout(resolve, ms);
    });
}

function bodyLength(headers) {
    const text = headers.get("Content-Length");
    if (text === null || !/^\d+$/.test(text.trim())) {
        return null;
    }
    return Number(text);
}

/** The service's JSON `error` text, else the status line. */
async function errorText(response) {
    try {
        if ((response.headers.get("Content-Type") || "").includes("json")) {
            const body = await response.json();
            const text = body && (body.error || body.message);
            if (typeof text === "string" && text) {
                return text;
            }
        }
    } catch (_ignored) {
        // Not the service's JSON.
    }
    return response.statusText || `HTTP ${response.status}`;
}

function networkMessage(err) {
    return err && err.message ? `network error: ${err.message}` : "network error";
}

const ASCII_SAFE = /[^A-Za-z0-9 !#$&'()+,\-.=@[\]^_`{}~]/g;

/** `attachment` with both an ASCII fallback and the exact UTF-8 name (RFC 6266/5987). */
function attachmentFor(name) {
    const dot = name.lastIndexOf(".");
    let fallback = name.replace(ASCII_SAFE, "_");
    if (!fallback.replace(/[_.]/g, "")) {
        fallback = "download" + (dot > 0 ? name.slice(dot).replace(ASCII_SAFE, "_") : "");
    }
    const exact = encodeURIComponent(name).replace(
        /['()*]/g,
        (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`
    );
    return `attachment; filename="${fallback}"; filename*=UTF-8''${exact}`;
}

/** The Content-Disposition of the download: always an attachment. */
function disposition(fileName, upstream) {
    if (fileName) {
        return attachmentFor(fileName);
    }
    if (upstream && /filename/i.test(upstream)) {
        return upstream.replace(/^\s*[^;]*/, "attachment");
    }
    return "attachment";
}

function discard(response) {
    if (response.body) {
        response.body.cancel().catch(() => undefined);
    }
}

;// ./src/worker/state.js
/* What the worker's parts share: the protocol's constants and the pending work. */

const PARAM = "dfc_dl";
const CHANNEL_PREFIX = "dash-file-cache:";
const ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
const PROGRESS_INTERVAL_MS = 50;
const PREPARED_LIFETIME_MS = 60000;
// Waits before each attempt to resume a dropped connection; a resumed transfer that
// moves again starts the sequence anew.
const RESUME_DELAYS_MS = [0, 250, 1000, 2000, 4000];

const prepared = new Map(); // id -> {headers, credentials, fileName, time}
const jobs = new Map(); // id -> Job

;// ./src/worker/job.js
/* One download: fetch the item, stream it to the download manager, resume, report. */





class Job {
    constructor(id, url) {
        this.id = id;
        url.searchParams.delete((/* inlined export .PARAM */"dfc_dl"));
        this.url = url.href;
        const options = prepared.get(id) || {
            headers: {},
            credentials: "same-origin",
            fileName: null,
        };
        prepared.delete(id);
        this.headers = options.headers;
        this.credentials = options.credentials;
        this.fileName = options.fileName;
        this.controller = new AbortController();
        this.channel = new BroadcastChannel(CHANNEL_PREFIX + id);
        this.stream = null; // the ReadableStreamDefaultController of the body
        this.cancelled = false;
        this.ended = false;
        this.loaded = 0;
        this.total = null;
        this.etag = null;
        this.resumable = false;
        this.attempts = 0; // resume attempts since bytes last arrived
        this.lastReport = 0;
        this.finished = new Promise((resolve) => {
            this.resolveFinished = resolve;
        });
        jobs.set(id, this);
    }

    post(message) {
        if (!this.ended) {
            this.channel.postMessage({ loaded: this.loaded, total: this.total, ...message });
        }
    }

    /** Post the final message, then forget the job. */
    end(message) {
        this.post(message);
        this.ended = true;
        this.channel.close();
        jobs.delete(this.id);
        this.resolveFinished();
    }

    progress() {
        const now = Date.now();
        if (now - this.lastReport >= (/* inlined export .PROGRESS_INTERVAL_MS */50)) {
            this.lastReport = now;
            this.post({ type: "progress" });
        }
    }

    cancel() {
        if (this.cancelled || this.ended) {
            return;
        }
        this.cancelled = true;
        this.controller.abort();
        if (this.stream) {
            try {
                this.stream.error(new DOMException("The download was cancelled.", "AbortError"));
            } catch (_closed) {
                // Already closed or errored.
            }
        }
        this.end({ type: "aborted" });
    }

    fetch(extraHeaders = {}) {
        return fetch(this.url, {
            headers: { ...this.headers, ...extraHeaders },
            credentials: this.credentials,
            cache: "no-store",
            signal: this.controller.signal,
        });
    }

    /** The answer to the navigation: the download, or "no content" when it cannot start. */
    async respond() {
        this.post({ type: "intercepted" });
        let response;
        try {
            response = await this.fetch();
        } catch (err) {
            return this.refuse(this.cancelled ? null : networkMessage(err));
        }
        if (this.cancelled) {
            return this.refuse(null);
        }
        if (!response.ok) {
            return this.refuse(await errorText(response), response.status);
        }
        const upstream = response.headers;
        this.total = bodyLength(upstream);
        this.etag = upstream.get("ETag");
        this.resumable =
            Boolean(this.etag) &&
            !this.etag.startsWith("W/") &&
            (upstream.get("Accept-Ranges") || "").toLowerCase() === "bytes" &&
            response.status === 200;
        const headers = new Headers({
            "Content-Type": upstream.get("Content-Type") || "application/octet-stream",
            "Content-Disposition": disposition(
                this.fileName,
                upstream.get("Content-Disposition")
            ),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
            // As the service's own answers: nothing saved this way runs as the app.
            "Content-Security-Policy": "sandbox; default-src 'none'",
        });
        if (this.total !== null) {
            headers.set("Content-Length", String(this.total));
        }
        this.lastReport = Date.now();
        this.post({ type: "start" });
        if (!response.body) {
            return this.refuse("the browser gave no stream for the response");
        }
        return new Response(this.body(chunkReader(response.body)), { status: 200, headers });
    }

    refuse(message, status = null) {
        if (message === null) {
            this.end({ type: "aborted" });
        } else {
            this.end({ type: "error", message, status });
        }
        // 204 to a navigation: nothing is shown and nothing is downloaded.
        return new Response(null, { status: 204 });
    }

    fail(err) {
        if (this.cancelled) {
            return;
        }
        const message = err instanceof DownloadError ? err.message : networkMessage(err);
        this.controller.abort();
        this.end({ type: "error", message, status: err && err.status ? err.status : null });
    }

    body(firstReader) {
        let reader = firstReader;
        return new ReadableStream(
            {
                start: (controller) => {
                    this.stream = controller;
                },
                pull: async (controller) => {
                    for (;;) {
                        let step;
                        try {
                            // eslint-disable-next-line no-await-in-loop
                            step = await reader.read();
                        } catch (err) {
                            if (this.cancelled) {
                                return;
                            }
                            try {
                                // eslint-disable-next-line no-await-in-loop
                                reader = await this.resume(err);
                            } catch (failure) {
                                this.fail(failure);
                                throw failure;
                            }
                            continue;
                        }
                        if (this.cancelled) {
                            return;
                        }
                        if (step.done) {
                            if (this.total !== null && this.loaded < this.total) {
                                try {
                                    // eslint-disable-next-line no-await-in-loop
                                    reader = await this.resume(new Error("the body ended early"));
                                } catch (failure) {
                                    this.fail(failure);
                                    throw failure;
                                }
                                continue;
                            }
                            controller.close();
                            this.end({ type: "done" });
                            return;
                        }
                        this.loaded += step.value.byteLength;
                        this.attempts = 0;
                        controller.enqueue(step.value);
                        this.progress();
                        return;
                    }
                },
                cancel: () => {
                    // The browser gave up on the download (cancelled in its download
                    // manager, or the browser closes).
                    this.cancelled = true;
                    this.controller.abort();
                    reader.cancel().catch(() => undefined);
                    this.end({ type: "aborted" });
                },
            },
            { highWaterMark: 0 }
        );
    }

    /** A reader for the rest of the body after a dropped connection; throws when it cannot. */
    async resume(cause) {
        if (!this.resumable) {
            throw new DownloadError(
                `${networkMessage(cause)}; this item cannot be resumed (served once, or ` +
                    "without ranges)"
            );
        }
        let last = cause;
        while (this.attempts < RESUME_DELAYS_MS.length) {
            const delay = RESUME_DELAYS_MS[this.attempts];
            this.attempts += 1; // back to 0 once bytes flow again
            if (delay) {
                // eslint-disable-next-line no-await-in-loop
                await sleep(delay);
            }
            if (this.cancelled) {
                throw new DOMException("The download was cancelled.", "AbortError");
            }
            let response;
            try {
                // eslint-disable-next-line no-await-in-loop
                response = await this.fetch({
                    Range: `bytes=${this.loaded}-`,
                    "If-Range": this.etag,
                    "If-Match": this.etag,
                });
            } catch (err) {
                if (this.cancelled) {
                    throw err;
                }
                last = err;
                continue;
            }
            if (response.status === 206) {
                const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(
                    response.headers.get("Content-Range") || ""
                );
                if (!range || Number(range[1]) !== this.loaded || !response.body) {
                    discard(response);
                    throw new DownloadError("the server resumed the download at the wrong place");
                }
                this.post({ type: "resumed" });
                return chunkReader(response.body);
            }
            if (response.status === 200) {
                // If-Range did not match: the server sent the whole, different, item.
                discard(response);
                throw new DownloadError(
                    "the item changed on the server; the download cannot resume"
                );
            }
            if (response.status === 503) {
                // eslint-disable-next-line no-await-in-loop
                last = new Error(await errorText(response));
                continue;
            }
            // 404 (gone), 412 (changed) and the like: the service says why.
            // eslint-disable-next-line no-await-in-loop
            throw new DownloadError(await errorText(response), response.status);
        }
        throw new DownloadError(`${networkMessage(last)} (the download could not be resumed)`);
    }
}

;// ./src/lib/requestOptions.js
/*
 * What a request of the components and of the download worker may carry, checked the
 * same way on both sides: fetch's credentials mode and plain string headers.
 */

/** The values of `fetch()`'s `credentials` option (and of the components' prop). */
const CREDENTIALS = ["omit", "same-origin", "include"];

/** `value` if it is one of CREDENTIALS, else fetch's own default, "same-origin". */
function credentialsMode(value) {
    return CREDENTIALS.includes(value) ? value : "same-origin";
}

/** Request headers from a plain `{name: value}` object (non-string values dropped). */
function requestHeaders(headers) {
    const plain = {};
    if (headers && typeof headers === "object") {
        for (const [name, value] of Object.entries(headers)) {
            if (typeof value === "string") {
                plain[name] = value;
            }
        }
    }
    return plain;
}

;// ./src/worker/index.js
/*
 * dash-file-cache download worker (built into dash_file_cache/services/worker.js).
 *
 * ServiceData serves this script at `<service address>/sw.js`, with a
 * `Service-Worker-Allowed` header naming the service address; DownloadLink registers it
 * with the service address itself as its scope (e.g. `/cached-data`), the widest scope
 * the browser accepts for it, so it sees nothing else of the app. It only answers navigations to exactly that path that carry
 * a `dfc_dl=<id>` query parameter (DownloadLink makes them with a hidden iframe); every
 * other request goes to the network untouched.
 *
 * For such a navigation it fetches the item itself (with the headers the page gave it)
 * and answers with a response that streams to the browser's download manager, under
 * the name from Content-Disposition (or the name the page asked for), while it posts
 * progress on the BroadcastChannel `dash-file-cache:<id>`:
 *
 *   {type: "intercepted"}                     the navigation is ours
 *   {type: "start", loaded, total}            the service answered 200; total may be null
 *   {type: "progress", loaded, total}         at most every PROGRESS_INTERVAL_MS
 *   {type: "resumed", loaded, total}          a dropped connection was resumed
 *   {type: "done", loaded, total}             the last byte was handed to the browser
 *   {type: "error", message, status, loaded, total}
 *   {type: "aborted", loaded, total}          cancelled (by the page or the browser)
 *
 * The body is a pull-based ReadableStream: a chunk is read from the network only when
 * the download manager asks for one (backpressure: about one chunk in memory), and a
 * connection that drops mid-body is resumed with `Range: bytes=<received>-` under
 * `If-Range` and `If-Match` of the first answer's ETag, so the saved file is one
 * byte-exact file. When the item changed or is gone, the download fails with the
 * service's message. Cancelling errors the stream (the browser marks the download
 * failed) and aborts the request, so the server sees the connection close.
 *
 * Messages from the page (`worker.postMessage`):
 *   {type: "prepare", id, headers, credentials, fileName}
 *                                             remembered until the navigation comes;
 *                                             acknowledged with {type: "prepared"}
 *   {type: "cancel", id}
 *   {type: "keepalive"}                       keeps the worker running during a download
 */





self.addEventListener("install", () => {
    self.skipWaiting();
});

self.addEventListener("message", (event) => {
    const data = event.data || {};
    const id = typeof data.id === "string" && ID_PATTERN.test(data.id) ? data.id : null;
    if (data.type === "prepare" && id) {
        forgetOldPreparations();
        prepared.set(id, {
            headers: requestHeaders(data.headers),
            credentials: credentialsMode(data.credentials),
            fileName: typeof data.fileName === "string" && data.fileName ? data.fileName : null,
            time: Date.now(),
        });
        const channel = new BroadcastChannel(CHANNEL_PREFIX + id);
        channel.postMessage({ type: "prepared" });
        channel.close();
    } else if (data.type === "cancel" && id) {
        prepared.delete(id);
        const job = jobs.get(id);
        if (job) {
            job.cancel();
            event.waitUntil(job.finished);
        }
    }
    // "keepalive": receiving the event is all it takes.
});

self.addEventListener("fetch", (event) => {
    const { request } = event;
    if (request.method !== "GET" || request.mode !== "navigate") {
        return;
    }
    const url = new URL(request.url);
    const id = url.searchParams.get((/* inlined export .PARAM */"dfc_dl"));
    if (!id || !ID_PATTERN.test(id) || url.pathname !== servicePath()) {
        return;
    }
    const job = new Job(id, url);
    // No waitUntil for the whole transfer: an event still pending after five minutes gets
    // the worker stopped. The page's "keepalive" messages keep it running instead.
    event.respondWith(job.respond());
});

function servicePath() {
    return new URL(self.registration.scope).pathname;
}

function forgetOldPreparations() {
    const now = Date.now();
    for (const [id, entry] of prepared) {
        if (now - entry.time > (/* inlined export .PREPARED_LIFETIME_MS */60000)) {
            prepared.delete(id);
        }
    }
}

/******/ })()
;