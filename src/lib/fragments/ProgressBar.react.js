import React from "react";
import PropTypes from "prop-types";

const PERCENT = 100;
const BYTES_PER_UNIT = 1024;
const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];
const INDETERMINATE_OPACITY = 0.4;
const BAR_HEIGHT = "4px";

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

const TRACK_STYLE = {
    display: "block",
    height: BAR_HEIGHT,
    minWidth: "8em",
    background: "rgba(0, 0, 0, 0.15)",
    overflow: "hidden",
};

const OVERLAY_STYLE = {
    position: "absolute",
    left: 0,
    right: 0,
    bottom: 0,
};

const FILL_STYLE = {
    display: "block",
    height: "100%",
    background: "#1f77b4",
    transition: "width 0.1s linear",
};

/**
 * An accessible progress bar. With a known `total` it is determinate:
 * `aria-valuenow` is the percentage done. With `total` null it is indeterminate:
 * no `aria-valuenow`, a faded full-width fill, and the bytes so far in
 * `aria-valuetext`.
 */
export default function ProgressBar({ loaded, total, label, overlay = false, className }) {
    const determinate = typeof total === "number";
    let percent = null;
    let text = `${formatBytes(loaded)} loaded`;
    if (determinate) {
        percent = total > 0 ? Math.min(PERCENT, Math.floor((loaded * PERCENT) / total)) : PERCENT;
        text = `${percent}% (${formatBytes(loaded)} of ${formatBytes(total)})`;
    }
    const fill = determinate
        ? { ...FILL_STYLE, width: `${percent}%` }
        : { ...FILL_STYLE, width: "100%", opacity: INDETERMINATE_OPACITY };
    return (
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
            className={className}
            style={overlay ? { ...TRACK_STYLE, ...OVERLAY_STYLE } : TRACK_STYLE}
        >
            <span style={fill} />
        </span>
    );
}

ProgressBar.propTypes = {
    loaded: PropTypes.number.isRequired,
    total: PropTypes.number,
    label: PropTypes.string.isRequired,
    overlay: PropTypes.bool,
    className: PropTypes.string,
};
