/**
 * The page's side of the download worker that `ServiceData` serves next to itself
 * (`src/worker/index.js`, built into `dash_file_cache/services/worker.js`, says what the
 * worker does).
 *
 * - `workerTarget(url)`: where the worker of `url`'s service lives, or null when this
 *   page cannot use one: not a secure context (plain HTTP on a host other than
 *   localhost), no service worker, BroadcastChannel or stream support, another origin
 *   (a page can only register workers of its own origin), or not a service address
 *   (`…?uid=<32 hex digits>`, what `register()` returns).
 * - `workerRegistration(target)`: registers the worker lazily, once per service and
 *   page, with the service path as its scope, and resolves once its worker has reached
 *   `activated`, or to null when registration failed. The page itself is never
 *   controlled (it is outside the scope), so `navigator.serviceWorker.ready` and
 *   `controller` are of no use here.
 * - `downloadThroughWorker(registration, target, options)`: one download. The page
 *   hands the worker the request headers and file name (`postMessage`), waits for its
 *   acknowledgement, then points a hidden iframe at `url&dfc_dl=<id>`: the worker answers
 *   that navigation with a stream the browser saves to disk, and reports over the
 *   BroadcastChannel `dash-file-cache:<id>` (iframe navigations carry no client id to
 *   answer to).
 */
import { ABORT_ERROR_NAME, credentialsMode, requestHeaders } from "./fetchProgress";
import { ownServiceAddress } from "./serviceAddress";

/** The worker script under the service path (`ServiceData` serves it there). */
const SCRIPT_NAME = "sw.js";
const PARAM = "dfc_dl";
const CHANNEL_PREFIX = "dash-file-cache:";

/** How long the worker may take to acknowledge a download, then to intercept it. */
const PREPARE_TIMEOUT_MS = 10000;
const INTERCEPT_TIMEOUT_MS = 10000;
/** How long a cancelled download may take to confirm. */
const CANCEL_TIMEOUT_MS = 5000;
/** Messages to the worker while a download runs keep the browser from stopping it. */
const KEEPALIVE_INTERVAL_MS = 10000;
/** How long the hidden iframe of a finished download stays in the page. */
const IFRAME_LINGER_MS = 10000;
const ID_BYTES = 16;

/** The worker answered for the download, but not with the file: `message` says why. */
export class WorkerDownloadError extends Error {
    constructor(message, status) {
        super(message);
        this.name = "WorkerDownloadError";
        this.status = status;
    }
}

/**
 * The navigation was not intercepted by the worker (it went to the network, so the
 * browser downloads the file by itself and the page cannot follow it).
 */
export class NotInterceptedError extends Error {
    constructor() {
        super("The download worker did not take the download; the browser downloads it.");
        this.name = "NotInterceptedError";
    }
}

/** The worker did not take the download up: use another way (nothing has started). */
export class WorkerUnavailableError extends Error {
    constructor() {
        super("The download worker did not answer.");
        this.name = "WorkerUnavailableError";
    }
}

function abortError() {
    return new DOMException("The download was cancelled.", ABORT_ERROR_NAME);
}

/** `{href, script, scope}` of the worker for `url`, or null (see the module's comment). */
export function workerTarget(url) {
    if (
        typeof window === "undefined" ||
        !window.isSecureContext ||
        typeof navigator === "undefined" ||
        !navigator.serviceWorker ||
        typeof BroadcastChannel === "undefined" ||
        typeof ReadableStream === "undefined" ||
        !window.crypto ||
        typeof window.crypto.getRandomValues !== "function"
    ) {
        return null;
    }
    const target = ownServiceAddress(url);
    if (!target) {
        return null;
    }
    const script = `${target.pathname.replace(/\/$/, "")}/${SCRIPT_NAME}`;
    return { href: target.href, script, scope: target.pathname };
}

function whenActivated(worker) {
    return new Promise((resolve, reject) => {
        const check = () => {
            if (worker.state === "activated") {
                worker.removeEventListener("statechange", check);
                resolve();
            } else if (worker.state === "redundant") {
                worker.removeEventListener("statechange", check);
                reject(new Error("The download worker was replaced while starting."));
            }
        };
        worker.addEventListener("statechange", check);
        check();
    });
}

async function register(target) {
    const registration = await navigator.serviceWorker.register(target.script, {
        scope: target.scope,
        updateViaCache: "none",
    });
    const worker = registration.installing || registration.waiting || registration.active;
    if (!worker) {
        throw new Error("The download worker did not start.");
    }
    await whenActivated(worker);
    return registration;
}

// script URL -> Promise<ServiceWorkerRegistration | null>, for the page's lifetime.
const registrations = new Map();

/**
 * The registration of `target`'s worker once active, or null when the worker cannot be
 * used (registration refused, the script missing, workers disabled). Never rejects.
 */
export function workerRegistration(target) {
    let pending = registrations.get(target.script);
    if (!pending) {
        pending = register(target).catch(() => null);
        registrations.set(target.script, pending);
    }
    return pending.then((registration) => {
        if (registration && !registration.active) {
            // Unregistered meanwhile (e.g. from the devtools): register again next time.
            registrations.delete(target.script);
            return null;
        }
        return registration;
    });
}

function randomId() {
    const bytes = new Uint8Array(ID_BYTES);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function withParam(href, id) {
    const [base, fragment] = href.split("#", 2);
    const joined = `${base}${base.includes("?") ? "&" : "?"}${PARAM}=${id}`;
    return fragment === undefined ? joined : `${joined}#${fragment}`;
}

/**
 * Download `target` through its worker.
 *
 * @param {ServiceWorkerRegistration} registration from `workerRegistration`.
 * @param {object} target from `workerTarget`.
 * @param {object} options
 * @param {AbortSignal} options.signal cancels the download (the browser marks it failed).
 * @param {object} [options.headers] request headers for the service, `{name: value}`.
 * @param {string} [options.credentials] fetch's credentials mode for the worker's requests.
 * @param {string} [options.fileName] save under this name instead of the server's.
 * @param {function({loaded: number, total: (number|null)})} [options.onProgress]
 * @returns {Promise<{loaded: number, total: (number|null)}>} once the worker has handed
 *     the last byte to the browser. Rejects with an AbortError when cancelled (by the
 *     signal, or by the browser), a WorkerDownloadError with the service's message, a
 *     NotInterceptedError, or a WorkerUnavailableError (nothing started).
 */
export function downloadThroughWorker(registration, target, options) {
    const { signal, headers = null, credentials = null, fileName = null, onProgress = null } =
        options;
    return new Promise((resolve, reject) => {
        const id = randomId();
        const channel = new BroadcastChannel(CHANNEL_PREFIX + id);
        let phase = "preparing"; // → navigating → running → settled
        let timer = null;
        let keepalive = null;
        let iframe = null;

        const tell = (message) => {
            const worker = registration.active;
            if (worker) {
                worker.postMessage(message);
            }
        };
        const restartTimer = (ms, onTimeout) => {
            clearTimeout(timer);
            timer = ms === null ? null : setTimeout(onTimeout, ms);
        };
        const settle = (outcome, value, { keepFrame = false } = {}) => {
            if (phase === "settled") {
                return;
            }
            phase = "settled";
            clearTimeout(timer);
            clearInterval(keepalive);
            channel.close();
            signal.removeEventListener("abort", onAbort);
            if (iframe) {
                const frame = iframe;
                // The saving download does not need the frame; leave it a moment anyway.
                setTimeout(() => frame.remove(), keepFrame ? IFRAME_LINGER_MS : 0);
            }
            outcome(value);
        };
        const progressOf = (data) => ({
            loaded: typeof data.loaded === "number" ? data.loaded : 0,
            total: typeof data.total === "number" ? data.total : null,
        });

        function navigate() {
            iframe = document.createElement("iframe");
            iframe.hidden = true;
            iframe.title = "Download";
            iframe.tabIndex = -1;
            iframe.setAttribute("aria-hidden", "true");
            iframe.style.display = "none";
            iframe.src = withParam(target.href, id);
            document.body.appendChild(iframe);
        }

        function onAbort() {
            if (phase === "running") {
                tell({ type: "cancel", id });
                restartTimer(CANCEL_TIMEOUT_MS, () => settle(reject, abortError()));
            } else {
                // Not started yet: the worker may still see the navigation; stop it too.
                tell({ type: "cancel", id });
                settle(reject, abortError());
            }
        }

        channel.onmessage = ({ data }) => {
            if (!data || phase === "settled") {
                return;
            }
            switch (data.type) {
                case "prepared":
                    if (phase === "preparing") {
                        phase = "navigating";
                        navigate();
                        restartTimer(INTERCEPT_TIMEOUT_MS, () =>
                            settle(reject, new NotInterceptedError(), { keepFrame: true })
                        );
                    }
                    break;
                case "intercepted":
                    phase = "running";
                    restartTimer(null);
                    keepalive = setInterval(() => tell({ type: "keepalive" }), KEEPALIVE_INTERVAL_MS);
                    break;
                case "start":
                case "progress":
                case "resumed":
                    if (onProgress) {
                        onProgress(progressOf(data));
                    }
                    break;
                case "done":
                    settle(resolve, progressOf(data), { keepFrame: true });
                    break;
                case "aborted":
                    settle(reject, abortError());
                    break;
                case "error":
                    settle(
                        reject,
                        new WorkerDownloadError(String(data.message || "Download failed"), data.status)
                    );
                    break;
                default:
                    break;
            }
        };
        if (signal.aborted) {
            settle(reject, abortError());
            return;
        }
        signal.addEventListener("abort", onAbort);
        if (!registration.active) {
            settle(reject, new WorkerUnavailableError());
            return;
        }
        restartTimer(PREPARE_TIMEOUT_MS, () => settle(reject, new WorkerUnavailableError()));
        tell({
            type: "prepare",
            id,
            headers: requestHeaders(headers),
            credentials: credentialsMode(credentials),
            fileName: fileName || null,
        });
    });
}
