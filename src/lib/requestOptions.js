/*
 * What a request of the components and of the download worker may carry, checked the
 * same way on both sides: fetch's credentials mode and plain string headers.
 */

/** The values of `fetch()`'s `credentials` option (and of the components' prop). */
export const CREDENTIALS = ["omit", "same-origin", "include"];

/** `value` if it is one of CREDENTIALS, else fetch's own default, "same-origin". */
export function credentialsMode(value) {
    return CREDENTIALS.includes(value) ? value : "same-origin";
}

/** Request headers from a plain `{name: value}` object (non-string values dropped). */
export function requestHeaders(headers) {
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
