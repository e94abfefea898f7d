"""The demo page's style sheet, inlined into the page (no external CSS or fonts).

Every text colour meets WCAG 2's 4.5:1 contrast minimum on each background it is used
on (WCAG relative luminance; a gradient is taken at its lightest stop, a translucent
background blended over what is under it)::

    text                      on                               ratio
    ink      #1d2733          card #fff / page #f2f4f8 / code  15.1 / 13.7 / 13.4
    muted    #56636f          card / status box #f7f9fb        6.2 / 5.8
    muted                     page / image frame #f0f3f7       5.6 / 5.5
    muted                     code #eef2f6                     5.5
    brand    #16629a          button #fff / step #e6f0f9       6.5 / 5.6
    chips    #4a5866          idle #eceff3                     6.3
             #16629a          loading, downloading #e3eefa     5.5
             #176b43          loaded, completed #e1f3e8        5.7
             #8a5000          aborted #fcf0da                  5.8
             #a11f15          error #fbe3e0                    6.3
    #fff                      file icons #475569 / #17804f /   7.6 / 5.0 / 5.7 /
                              #7c3aed / #b45309                5.0
    #fff, #b7c3d2, #8fa0b4    top bar #15263a                  15.3 / 8.6 / 5.7
    #fff                      "demo" tag (#fff 14% on the bar) 9.9
    #d7e3f1                   code snippet #14263a             11.8
"""

from __future__ import annotations

CSS = """
:root {
    --ink: #1d2733; --muted: #56636f; --line: #e2e7ee; --bg: #f2f4f8;
    --brand: #16629a; --ok: #176b43; --warn: #8a5000; --bad: #a11f15;
}
* { box-sizing: border-box; }
body {
    margin: 0; background: var(--bg); color: var(--ink);
    font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
        sans-serif;
}
code {
    font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono",
        monospace;
    font-size: 0.85em; background: #eef2f6; padding: 1px 5px; border-radius: 4px;
}
.topbar { background: #15263a; color: #fff; }
.topbar__inner, .page { max-width: 1080px; margin: 0 auto; padding: 0 24px; }
.topbar__inner {
    display: flex; align-items: center; justify-content: space-between; gap: 24px;
    padding-top: 18px; padding-bottom: 18px;
}
.brand { display: flex; align-items: center; gap: 12px; margin: 0; font-size: 21px; }
.brand__mark {
    width: 30px; height: 30px; border-radius: 8px; flex: none;
    background: linear-gradient(135deg, #3b82f6, #c026d3);
}
.brand__tag {
    font-size: 11px; font-weight: 600; letter-spacing: .06em; text-transform: uppercase;
    padding: 2px 8px; border-radius: 999px; background: rgba(255,255,255,.14);
}
.tagline { margin: 4px 0 0 42px; color: #b7c3d2; font-size: 14px; }
.switch {
    display: flex; align-items: center; gap: 10px; flex: none; cursor: pointer;
    font: inherit; font-size: 14px; color: #dbe3ec; background: none; border: 0; padding: 6px;
}
.switch__track {
    width: 38px; height: 22px; border-radius: 11px; background: #4a5b70; position: relative;
    transition: background .15s;
}
.switch__knob {
    position: absolute; top: 3px; left: 3px; width: 16px; height: 16px; border-radius: 50%;
    background: #fff; transition: left .15s;
}
.switch--on .switch__track { background: #3b82f6; }
.switch--on .switch__knob { left: 19px; }
.switch small { display: block; color: #8fa0b4; font-size: 12px; }
.page { padding-top: 24px; padding-bottom: 32px; }
.card {
    background: #fff; border: 1px solid var(--line); border-radius: 12px;
    padding: 20px 24px 22px; margin-bottom: 20px; box-shadow: 0 1px 2px rgba(16,24,40,.05);
}
.card__head { display: flex; gap: 12px; margin-bottom: 16px; }
.step {
    flex: none; width: 28px; height: 28px; border-radius: 50%; display: grid;
    place-items: center; background: #e6f0f9; color: var(--brand); font-weight: 700;
}
.card h2 { margin: 0; font-size: 18px; line-height: 28px; }
.card__note { margin: 2px 0 0; color: var(--muted); font-size: 14px; }
.split {
    display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 28px;
    align-items: start;
}
.frame {
    position: relative; display: flex; align-items: center; overflow: hidden;
    border: 1px solid var(--line); border-radius: 10px;
    background: repeating-conic-gradient(#f0f3f7 0 25%, #fafbfc 0 50%) 0 0 / 20px 20px;
}
.frame--wide { aspect-ratio: 16 / 9; }
.frame--photo { aspect-ratio: 4 / 3; }
.frame .dfc-cached-image { position: relative; z-index: 1; width: 100%; }
.frame .dfc-cached-image__img { width: 100%; height: auto; }
.frame .dfc-cached-image__placeholder { margin: 0 auto; }
.frame__hint {
    position: absolute; inset: 0; display: grid; place-items: center; color: var(--muted);
    font-size: 14px;
}
.side { display: flex; flex-direction: column; gap: 14px; }
.facts {
    margin: 0; display: grid; grid-template-columns: auto 1fr; gap: 6px 16px; font-size: 14px;
}
.facts dt { color: var(--muted); }
.facts dd { margin: 0; }
.btn {
    font: inherit; font-size: 14px; color: var(--ink); background: #fff; cursor: pointer;
    border: 1px solid #c8d0da; border-radius: 8px; padding: 8px 14px;
}
.btn:hover { border-color: var(--brand); color: var(--brand); }
.btn:focus-visible { outline: 2px solid var(--brand); outline-offset: 2px; }
.sources { display: flex; flex-direction: column; gap: 8px; }
.source { text-align: left; display: flex; flex-direction: column; gap: 2px; }
.source b { font-weight: 600; }
.source code { align-self: flex-start; }
.caption { margin: 8px 2px 0; color: var(--muted); font-size: 13px; overflow-wrap: anywhere; }
.status {
    display: flex; align-items: center; gap: 10px; font-size: 13px; color: var(--muted);
    font-variant-numeric: tabular-nums;
}
.status--boxed {
    padding: 8px 12px; background: #f7f9fb; border: 1px solid var(--line); border-radius: 8px;
}
.chip {
    font-size: 12px; font-weight: 700; letter-spacing: .05em; text-transform: uppercase;
    padding: 2px 9px; border-radius: 999px; background: #eceff3; color: #4a5866;
}
.chip--loading, .chip--downloading { background: #e3eefa; color: var(--brand); }
.chip--loaded, .chip--completed { background: #e1f3e8; color: var(--ok); }
.chip--aborted { background: #fcf0da; color: var(--warn); }
.chip--error { background: #fbe3e0; color: var(--bad); }
.files { list-style: none; margin: 0; padding: 0; }
.file {
    display: grid; grid-template-columns: 46px minmax(0, 1fr) auto; gap: 16px;
    align-items: center; padding: 14px 0; border-top: 1px solid var(--line);
}
.file:first-child { border-top: 0; padding-top: 4px; }
.file--wide { grid-template-columns: 46px minmax(0, 1fr); }
.file--wide .file__actions {
    grid-column: 2; flex-direction: row; flex-wrap: wrap; align-items: center;
    justify-content: space-between;
}
.file__icon {
    width: 46px; height: 46px; border-radius: 10px; display: grid; place-items: center;
    color: #fff; font-size: 11px; font-weight: 700; letter-spacing: .04em;
}
.file__icon--bin { background: linear-gradient(135deg, #475569, #1e293b); }
.file__icon--csv { background: linear-gradient(135deg, #17804f, #0f5c38); }
.file__icon--txt { background: linear-gradient(135deg, #7c3aed, #4c1d95); }
.file__icon--zip { background: linear-gradient(135deg, #b45309, #78350f); }
.picks { display: flex; flex-wrap: wrap; gap: 6px; margin: 8px 0 4px; }
.pick {
    font: inherit; font-size: 13px; color: var(--ink); background: #fff; cursor: pointer;
    border: 1px solid #c8d0da; border-radius: 999px; padding: 3px 12px;
}
.pick::before { content: "+ "; color: var(--muted); }
.pick--on { background: #e3eefa; border-color: var(--brand); color: var(--brand); }
.pick--on::before { content: "✓ "; color: var(--brand); }
.pick:focus-visible { outline: 2px solid var(--brand); outline-offset: 2px; }
.chip--waiting, .chip--running { background: #e3eefa; color: var(--brand); }
.chip--finished { background: #e1f3e8; color: var(--ok); }
.chip--stopped { background: #fcf0da; color: var(--warn); }
.file__name { font-weight: 600; overflow-wrap: anywhere; }
.file__meta { color: var(--muted); font-size: 13px; }
.file__actions { display: flex; flex-direction: column; align-items: flex-end; gap: 6px; }
.file__buttons { display: flex; align-items: center; gap: 10px; }
.snippet {
    margin: 0; padding: 12px 14px; border-radius: 8px; background: #14263a; color: #d7e3f1;
    font-size: 14px; line-height: 1.6; overflow-x: auto;
}
.snippet code { background: none; padding: 0; color: inherit; }
.footer { color: var(--muted); font-size: 13px; text-align: center; }
@media (max-width: 760px) {
    .split { grid-template-columns: 1fr; }
    .topbar__inner { flex-direction: column; align-items: flex-start; }
}
"""

INDEX = (
    "<!DOCTYPE html>\n<html lang='en'>\n<head>\n{%metas%}\n<title>{%title%}</title>\n"
    "{%favicon%}\n{%css%}\n<style>" + CSS + "</style>\n</head>\n<body>\n{%app_entry%}\n"
    "<footer>\n{%config%}\n{%scripts%}\n{%renderer%}\n</footer>\n</body>\n</html>\n"
)
