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
