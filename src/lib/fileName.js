/**
 * Which name a downloaded file is saved under.
 *
 * Order: an explicit name, then `Content-Disposition` (RFC 6266: the RFC 5987
 * `filename*=charset'lang'value` parameter first, then `filename=`), then the last
 * segment of the URL's path, then FALLBACK_FILE_NAME.
 */

export const FALLBACK_FILE_NAME = "download";

// Path separators and control characters never make it into a saved name.
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f]/g;

function cleanName(name) {
    if (typeof name !== "string") {
        return null;
    }
    const base = name.split(/[/\\]/).pop().replace(UNSAFE_CHARACTERS, "").trim();
    if (!base || base === "." || base === "..") {
        return null;
    }
    return base;
}

function decodeExtValue(charset, encoded) {
    const lower = charset.toLowerCase();
    if (lower === "utf-8") {
        return decodeURIComponent(encoded);
    }
    if (lower === "iso-8859-1") {
        return encoded.replace(/%([0-9a-f]{2})/gi, (_match, hex) =>
            String.fromCharCode(parseInt(hex, 16))
        );
    }
    return null;
}

/** The file name a `Content-Disposition` header value asks for, or null. */
export function fileNameFromContentDisposition(header) {
    if (!header) {
        return null;
    }
    const extended = /(?:^|;)\s*filename\*\s*=\s*([^';\s]+)'[^']*'([^;\s]*)/i.exec(header);
    if (extended) {
        try {
            const name = cleanName(decodeExtValue(extended[1], extended[2]));
            if (name) {
                return name;
            }
        } catch (_malformed) {
            // A bad percent-encoding: fall back to the plain parameter.
        }
    }
    const plain = /(?:^|;)\s*filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/i.exec(header);
    if (plain) {
        const value =
            plain[1] !== undefined ? plain[1].replace(/\\(.)/g, "$1") : plain[2].trim();
        return cleanName(value);
    }
    return null;
}

/** The last segment of the URL's path, decoded, or null. */
export function fileNameFromUrl(url) {
    try {
        const { pathname } = new URL(url, window.location.href);
        const segment = pathname.split("/").pop();
        return cleanName(decodeURIComponent(segment));
    } catch (_invalid) {
        return null;
    }
}

/**
 * @param {string|null} explicit a name the caller insists on (e.g. a prop)
 * @param {Headers|null} headers the response headers, if any
 * @param {string} url the address the file came from
 * @param {string|null} fallback a name for when the response names none (before the URL)
 */
export function chooseFileName(explicit, headers, url, fallback = null) {
    return (
        cleanName(explicit) ||
        fileNameFromContentDisposition(headers ? headers.get("Content-Disposition") : null) ||
        cleanName(fallback) ||
        fileNameFromUrl(url) ||
        FALLBACK_FILE_NAME
    );
}
