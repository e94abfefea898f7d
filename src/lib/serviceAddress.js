/**
 * Whether an address is an item of a service on this page's own origin.
 */

const UID = /^[0-9a-f]{32}$/;

/**
 * `url` resolved against the page, when it is an item address of a service on the
 * page's own origin (`…?uid=<32 hex digits>`, what `register()` returns); else null.
 */
export function ownServiceAddress(url) {
    let target;
    try {
        target = new URL(url, window.location.href);
    } catch (_invalid) {
        return null;
    }
    if (target.origin !== window.location.origin || !UID.test(target.searchParams.get("uid"))) {
        return null;
    }
    return target;
}
