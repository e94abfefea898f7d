"""``python queue_script.py shared|orphan``: a CacheQueue made at module level, used by a
child process started with ``spawn`` (which re-imports this file as ``__mp_main__``).

``shared``: the web process and the child make it at the same line; the child registers,
the parent serves it: prints ``served <bytes>``. ``orphan``: only the child makes it, so
no queue was published for it: prints the child's ``RuntimeError``.
"""

from __future__ import annotations

import io
import multiprocessing
import sys

import dash_file_cache as dfc

MODE = sys.argv[1] if __name__ == "__main__" else None
if __name__ == "__main__" and MODE == "shared" or __name__ == "__mp_main__":
    service = dfc.ServiceData(dfc.CacheQueue(4))


def child(results: multiprocessing.Queue, orphan: bool) -> None:  # type: ignore[type-arg]
    try:
        results.put(service.register(io.BytesIO(b"from the child")))
    except RuntimeError as exc:
        results.put(f"RuntimeError: {exc}")


if __name__ == "__main__":
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=child, args=(results, MODE == "orphan"))
    process.start()
    answer = results.get(timeout=120)
    process.join(60)
    if answer.startswith("RuntimeError"):
        print(answer)
    else:
        uid = answer.split("uid=")[1]
        info, loader = service.cache.load(uid)
        print("served", loader().decode())
        service.cache.close()
