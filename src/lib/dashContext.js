import { useEffect, useState } from "react";

/**
 * Dash >= 3 loading state. Dash 3 no longer passes `loading_state`; the renderer
 * exposes `window.dash_component_api.useDashContext().useLoading()` instead. Both
 * are hooks: the branch below depends only on the page's renderer, which does not
 * change between renders, so the hook order is stable. Older renderers: false.
 */
export function useDashLoading() {
    const api = window.dash_component_api;
    const context = api && typeof api.useDashContext === "function" ? api.useDashContext() : null;
    return context && typeof context.useLoading === "function" ? context.useLoading() : false;
}

/**
 * `{supported, update}`: `update` becomes a new `{seq, value}` object each time a
 * callback (or `set_props`) sets `prop` of this component, even to the value it
 * already has; `supported` is false on renderers that do not expose this, where the
 * caller should watch the prop's value instead.
 *
 * Dash re-renders a component for every callback output, but hands it only the new
 * values; which props a callback set is kept in the renderer's store, per layout path
 * (`layoutHashes[path] = {hash, changedProps, renderType}`, `hash` counting updates).
 * The store is watched directly, so no update is missed between two renders. The
 * branch depends only on the page's renderer, so the hook order is stable. Renderers
 * that keep only a counter per path (Dash 3.0) are found out at the first update and
 * reported as not supported.
 */
export function useCallbackSets(prop) {
    const api = window.dash_component_api;
    const context = api && typeof api.useDashContext === "function" ? api.useDashContext() : null;
    const store = context && typeof context.useStore === "function" ? context.useStore() : null;
    const path =
        context && Array.isArray(context.componentPath) ? context.componentPath.join(",") : null;
    const supported = Boolean(
        store && path !== null && store.getState && store.getState().layoutHashes
    );
    const [update, setUpdate] = useState(null);
    // Older renderers (Dash 3.0) keep a bare counter per path, without changedProps.
    const [counterOnly, setCounterOnly] = useState(false);
    useEffect(() => {
        if (!supported) {
            return undefined;
        }
        const entryOf = () => {
            const hashes = store.getState().layoutHashes;
            return hashes ? hashes[path] : undefined;
        };
        const first = entryOf();
        let seen = first ? first.hash : 0;
        return store.subscribe(() => {
            const entry = entryOf();
            if (entry !== undefined && (entry === null || typeof entry !== "object")) {
                setCounterOnly(true);
                return;
            }
            if (!entry || entry.hash === seen) {
                return;
            }
            seen = entry.hash;
            const set = entry.changedProps;
            if (
                (entry.renderType === "callback" || entry.renderType === "clientsideApi") &&
                set &&
                Object.prototype.hasOwnProperty.call(set, prop)
            ) {
                setUpdate({ seq: entry.hash, value: set[prop] });
            }
        });
    }, [supported, store, path, prop]);
    return { supported: supported && !counterOnly, update };
}
