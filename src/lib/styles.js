/**
 * The components' look: one small stylesheet, injected once into the page's <head>.
 *
 * Every rule is wrapped in `:where(...)`, which has zero specificity, so any rule of
 * the app (a class, an id, even an element selector) overrides it: apps restyle the
 * components with ordinary CSS on the documented class names, no `!important`.
 * Only values that change while rendering (the fill's width, a placeholder's size)
 * are inline styles. Fonts are inherited from the page; sizes are in `em`.
 */
import React from "react";

export const STYLE_ELEMENT_ID = "dash-file-cache-styles";

const BLUE = "#1f77b4";
const BLUE_DARK = "#185f90";
const TEXT = "#37424d";
const MUTED_BORDER = "#c9d1d9";
const TRACK = "#e1e6eb";
const PANEL = "#f5f7f9";
const ERROR = "#a4262c"; // 7.0:1 on white, 6.4:1 on ERROR_PANEL (WCAG AA)
const ERROR_PANEL = "#fdf3f4";

export const CSS = `
:where(.dfc-progress) {
    display: flex; flex-direction: column; gap: 0.3em; min-width: 11em;
    font-size: 0.8125em; line-height: 1.3; color: ${TEXT};
}
:where(.dfc-progress__text) {
    white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
    font-variant-numeric: tabular-nums;
}
:where(.dfc-progress__track) {
    display: block; height: 6px; border-radius: 3px; background: ${TRACK}; overflow: hidden;
}
:where(.dfc-progress__fill) {
    display: block; height: 100%; border-radius: 3px; background: ${BLUE};
    transition: width 0.1s linear;
}
:where(.dfc-progress__fill--indeterminate) { width: 100%; opacity: 0.35; }
:where(.dfc-progress--overlay) {
    position: absolute; left: 0; right: 0; bottom: 0; min-width: 0;
    padding: 0.5em 0.75em; background: rgba(255, 255, 255, 0.9);
}
:where(.dfc-cached-image) {
    display: inline-block; position: relative; vertical-align: top; max-width: 100%;
}
:where(.dfc-cached-image__img) { display: block; max-width: 100%; }
:where(.dfc-cached-image__placeholder) {
    display: flex; flex-direction: column; justify-content: center;
    box-sizing: border-box; max-width: 100%; min-width: 14em; min-height: 7em;
    padding: 1em 1.5em; border: 1px solid ${TRACK}; border-radius: 6px; background: ${PANEL};
}
:where(.dfc-cached-image__error) {
    display: flex; align-items: center; box-sizing: border-box; max-width: 100%;
    min-width: 14em; min-height: 4em; padding: 0.75em 1em; font-size: 0.875em;
    border: 1px solid ${ERROR}; border-radius: 6px; background: ${ERROR_PANEL}; color: ${ERROR};
}
:where(.dfc-download-link) { display: inline-flex; align-items: center; gap: 0.75em; }
:where(.dfc-download-link__outcome) { font-size: 0.875em; color: ${TEXT}; }
:where(.dfc-download-link__outcome--error) { color: ${ERROR}; }
:where(.dfc-download-link__button[aria-disabled="true"]:not([aria-busy="true"])) {
    opacity: 0.55; cursor: not-allowed;
}
:where(.dfc-download-link__button, .dfc-download-link__cancel) {
    font: inherit; line-height: 1.2; padding: 0.45em 1em; border-radius: 4px;
    border: 1px solid ${BLUE}; background: ${BLUE}; color: #fff; cursor: pointer;
}
:where(.dfc-download-link__button:hover:not(:disabled)) { background: ${BLUE_DARK}; }
:where(.dfc-download-link__button:disabled) { opacity: 0.55; cursor: progress; }
:where(.dfc-download-link__cancel) {
    border-color: ${MUTED_BORDER}; background: #fff; color: ${TEXT};
}
:where(.dfc-download-link__cancel:hover) { border-color: ${TEXT}; }
:where(.dfc-download-link__button:focus-visible, .dfc-download-link__cancel:focus-visible) {
    outline: 2px solid ${BLUE}; outline-offset: 2px;
}
`;

function injectStyles() {
    if (typeof document === "undefined" || document.getElementById(STYLE_ELEMENT_ID)) {
        return;
    }
    const element = document.createElement("style");
    element.id = STYLE_ELEMENT_ID;
    element.textContent = CSS;
    // First in <head>: the app's own stylesheets come later and win any tie.
    document.head.insertBefore(element, document.head.firstChild);
}

// React 18 runs insertion effects before layout effects, the moment CSS-in-JS needs;
// older Reacts fall back to a layout effect.
const useInsertion = React.useInsertionEffect || React.useLayoutEffect;

/** Make sure the stylesheet is in the page (once for all components). */
export function useStyles() {
    useInsertion(injectStyles, []);
}
