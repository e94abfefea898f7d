/*
 * Memory. Every chunk a stream hands over is a new ArrayBuffer, garbage once the
 * browser has copied it to the download; at local network speed that garbage (hundreds
 * of MiB per GiB) outruns the collector. So the body is read with a BYOB reader into
 * CHUNK_BYTES buffers of the worker's own, and each buffer is used again once the
 * browser has taken its bytes: the download stream has no queue (highWaterMark 0) and
 * the browser asks for the next chunk (pull) only after copying the previous one, and a
 * buffer waits for REUSE_AFTER further chunks before it is refilled. (Reading into it
 * detaches any view still held on it, so a misuse would fail loudly, never corrupt.)
 */
const CHUNK_BYTES = 1024 * 1024;
const REUSE_AFTER = 2; // chunks
// A chunk is handed over once full, or once this long has passed since it began.
const CHUNK_MAX_WAIT_MS = 100;

/** `{read(), cancel()}` over a body: `read()` resolves to `{done, value}` like a reader's. */
export function chunkReader(body) {
    let byob = null;
    try {
        byob = body.getReader({ mode: "byob" });
    } catch (_unsupported) {
        byob = null;
    }
    if (!byob) {
        const reader = body.getReader();
        return { read: () => reader.read(), cancel: () => reader.cancel() };
    }
    let finished = false;
    const handed = []; // buffers whose bytes the browser has (or is about to have)
    return {
        async read() {
            if (finished) {
                return { done: true, value: undefined };
            }
            let buffer = handed.length > REUSE_AFTER ? handed.shift() : new ArrayBuffer(CHUNK_BYTES);
            let filled = 0;
            const began = Date.now();
            while (filled < CHUNK_BYTES) {
                // eslint-disable-next-line no-await-in-loop
                const { done, value } = await byob.read(
                    new Uint8Array(buffer, filled, CHUNK_BYTES - filled)
                );
                if (value) {
                    buffer = value.buffer; // the same memory, under a new ArrayBuffer
                    filled += value.byteLength;
                }
                if (done) {
                    finished = true;
                    break;
                }
                if (Date.now() - began >= CHUNK_MAX_WAIT_MS) {
                    break;
                }
            }
            handed.push(buffer);
            return filled
                ? { done: false, value: new Uint8Array(buffer, 0, filled) }
                : { done: true, value: undefined };
        },
        cancel: () => byob.cancel(),
    };
}
