import React from "react";
import PropTypes from "prop-types";

const PERCENT = 100;
const BYTES_PER_UNIT = 1024;
const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** `1536` → `"1.5 KiB"`. */
export function formatBytes(bytes) {
    let value = bytes;
    let unit = 0;
    while (value >= BYTES_PER_UNIT && unit < UNITS.length - 1) {
        value /= BYTES_PER_UNIT;
        unit += 1;
    }
    return unit === 0 ? `${value} ${UNITS[0]}` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** How `loaded` and `total` are written: as byte sizes, or as plain counts. */
const FORMATS = {
    bytes: formatBytes,
    count: (value) => String(value),
};

function joinClasses(...names) {
    return names.filter(Boolean).join(" ");
}

/**
 * An accessible progress bar with a one-line caption above it
 * ("Loading image · 41% · 8.0 MiB of 19.2 MiB").
 *
 * With a known `total` it is determinate: `aria-valuenow` is the percentage done.
 * With `total` null it is indeterminate: no `aria-valuenow`, a faded full-width fill,
 * and the bytes so far in `aria-valuetext`. The caption repeats `aria-valuetext` for
 * sighted users and is hidden from assistive technology.
 *
 * `units` says what `loaded` and `total` count: "bytes" (default; written "8.0 MiB")
 * or "count" (steps, items, rows...: written as numbers, and with an unknown `total`
 * and nothing done yet, only the caption is shown).
 *
 * Class names (styled in ../styles.js): `dfc-progress` (+ `dfc-progress--overlay`),
 * `dfc-progress__text`, `dfc-progress__track` (the `role="progressbar"` element),
 * `dfc-progress__fill`.
 */
export default function ProgressBar({
    loaded,
    total,
    label,
    caption,
    overlay = false,
    className,
    units = "bytes",
}) {
    const format = FORMATS[units] || formatBytes;
    const determinate = typeof total === "number";
    let percent = null;
    let text = units === "bytes" ? `${format(loaded)} loaded` : `${format(loaded)} done`;
    let shortText = format(loaded);
    if (determinate) {
        percent = total > 0 ? Math.min(PERCENT, Math.floor((loaded * PERCENT) / total)) : PERCENT;
        text = `${percent}% (${format(loaded)} of ${format(total)})`;
        shortText = `${percent}% · ${format(loaded)} of ${format(total)}`;
    } else if (units !== "bytes" && !loaded) {
        text = caption || label;
        shortText = null;
    }
    const fillClass = joinClasses(
        "dfc-progress__fill",
        determinate ? null : "dfc-progress__fill--indeterminate"
    );
    return (
        <span
            className={joinClasses("dfc-progress", overlay ? "dfc-progress--overlay" : null, className)}
        >
            <span className="dfc-progress__text" aria-hidden="true">
                {shortText === null ? caption || label : `${caption || label} · ${shortText}`}
            </span>
            <span
                role="progressbar"
                aria-label={label}
                aria-valuemin={0}
                aria-valuemax={PERCENT}
                aria-valuenow={determinate ? percent : undefined}
                aria-valuetext={text}
                aria-busy="true"
                data-loaded={loaded}
                data-total={determinate ? total : undefined}
                className="dfc-progress__track"
            >
                <span className={fillClass} style={determinate ? { width: `${percent}%` } : undefined} />
            </span>
        </span>
    );
}

ProgressBar.propTypes = {
    loaded: PropTypes.number.isRequired,
    total: PropTypes.number,
    /** The accessible name of the bar. */
    label: PropTypes.string.isRequired,
    /** The visible words before the numbers; default: `label`. */
    caption: PropTypes.string,
    overlay: PropTypes.bool,
    className: PropTypes.string,
    /** What `loaded` and `total` count: "bytes" or "count". */
    units: PropTypes.oneOf(["bytes", "count"]),
};
