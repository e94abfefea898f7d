/* One download: fetch the item, stream it to the download manager, resume, report. */

import { chunkReader } from "./chunks";
import {
    DownloadError,
    bodyLength,
    discard,
    disposition,
    errorText,
    networkMessage,
    sleep,
} from "./http";
import {
    CHANNEL_PREFIX,
    PARAM,
    PROGRESS_INTERVAL_MS,
    RESUME_DELAYS_MS,
    jobs,
    prepared,
} from "./state";

export default class Job {
    constructor(id, url) {
        this.id = id;
        url.searchParams.delete(PARAM);
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
        if (now - this.lastReport >= PROGRESS_INTERVAL_MS) {
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
