/* What the worker's parts share: the protocol's constants and the pending work. */

export const PARAM = "dfc_dl";
export const CHANNEL_PREFIX = "dash-file-cache:";
export const ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
export const PROGRESS_INTERVAL_MS = 50;
export const PREPARED_LIFETIME_MS = 60000;
// Waits before each attempt to resume a dropped connection; a resumed transfer that
// moves again starts the sequence anew.
export const RESUME_DELAYS_MS = [0, 250, 1000, 2000, 4000];

export const prepared = new Map(); // id -> {headers, credentials, fileName, time}
export const jobs = new Map(); // id -> Job
