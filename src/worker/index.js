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

import Job from "./job";
import { credentialsMode, requestHeaders } from "../lib/requestOptions";
import {
    CHANNEL_PREFIX,
    ID_PATTERN,
    PARAM,
    PREPARED_LIFETIME_MS,
    jobs,
    prepared,
} from "./state";

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
    const id = url.searchParams.get(PARAM);
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
        if (now - entry.time > PREPARED_LIFETIME_MS) {
            prepared.delete(id);
        }
    }
}
