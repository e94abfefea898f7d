/* Small pieces of the worker's HTTP work: errors, headers, names. */

/** An error whose message is shown to the user as it is. */
export class DownloadError extends Error {
    constructor(message, status = null) {
        super(message);
        this.status = status;
    }
}

export function sleep(ms) {
    return new Promise((resolve) => {
        setTimeout(resolve, ms);
    });
}

export function bodyLength(headers) {
    const text = headers.get("Content-Length");
    if (text === null || !/^\d+$/.test(text.trim())) {
        return null;
    }
    return Number(text);
}

/** The service's JSON `error` text, else the status line. */
export async function errorText(response) {
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

export function networkMessage(err) {
    return err && err.message ? `network error: ${err.message}` : "network error";
}

const ASCII_SAFE = /[^A-Za-z0-9 !#$&'()+,\-.=@[\]^_`{}~]/g;

/** `attachment` with both an ASCII fallback and the exact UTF-8 name (RFC 6266/5987). */
export function attachmentFor(name) {
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
export function disposition(fileName, upstream) {
    if (fileName) {
        return attachmentFor(fileName);
    }
    if (upstream && /filename/i.test(upstream)) {
        return upstream.replace(/^\s*[^;]*/, "attachment");
    }
    return "attachment";
}

export function discard(response) {
    if (response.body) {
        response.body.cancel().catch(() => undefined);
    }
}
