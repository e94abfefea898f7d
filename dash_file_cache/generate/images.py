"""Images and figures as encoded bytes (:func:`image_bytes`).

Pillow and numpy (the ``images`` extra), matplotlib and Plotly are optional: each is
imported only when an image needs it.
"""

from __future__ import annotations

import importlib.util
import io
from typing import Any

__all__ = ("image_bytes",)

#: Formats by name (``jpg`` is ``jpeg``) and their MIME types.
FORMATS = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp", "svg": "image/svg+xml"}
ACCEPTED = (
    "a PIL image, a numpy array (uint8 or float in [0, 1]; H×W, H×W×3 or H×W×4), "
    "a matplotlib figure or a Plotly figure"
)
IMAGES_MISSING = 'image_bytes() needs Pillow and numpy: pip install "dash-file-cache[images]"'


def image_bytes(image: Any, format: str = "png", **options: Any) -> bytes:
    """``image`` encoded as PNG, JPEG or WebP (SVG for figures), as ``bytes``: wrap them
    in ``io.BytesIO`` for ``register()`` (``mime_type`` from :data:`FORMATS`).

    - a PIL image is saved as it is; for JPEG, a transparent one is laid on white;
    - a numpy array is an image of ``uint8`` values: H×W (grey), H×W×3 (RGB) or H×W×4
      (RGBA); a float array holds values in [0, 1] (clipped, scaled to 0-255);
    - a matplotlib figure is saved with ``savefig``;
    - a Plotly figure with ``to_image``, which needs kaleido.

    :param image: the image or figure.
    :param format: ``"png"``, ``"jpeg"`` (or ``"jpg"``), ``"webp"``; ``"svg"`` for a
        figure.
    :param options: passed to ``PIL.Image.save`` (e.g. ``quality=85``), ``savefig``
        (e.g. ``dpi=150``) or ``to_image`` (e.g. ``scale=2``).
    :returns: the encoded image.
    :raises TypeError: if ``image`` is none of the above (the message says what is).
    :raises ValueError: for an unknown format, SVG of a bitmap, or an array of another
        shape or type.
    :raises ImportError: for a Plotly figure without kaleido installed.
    """
    name = str(format).lower()
    name = "jpeg" if name == "jpg" else name
    if name not in FORMATS:
        raise ValueError(f"format must be one of png, jpeg, webp, svg; not {format!r}")
    family = type(image).__module__.split(".")[0]
    if family == "matplotlib" and hasattr(image, "savefig"):
        buffer = io.BytesIO()
        image.savefig(buffer, format=name, **options)
        return buffer.getvalue()
    if family == "plotly" and hasattr(image, "to_image"):
        if importlib.util.find_spec("kaleido") is None:
            raise ImportError("image_bytes() of a Plotly figure needs kaleido: pip install kaleido")
        return bytes(image.to_image(format=name, **options))
    if family == "numpy":
        image = _from_array(image)
    elif family != "PIL" or not hasattr(image, "save"):
        raise TypeError(f"image_bytes() takes {ACCEPTED}, not {type(image).__name__}")
    if name == "svg":
        raise ValueError("SVG is for matplotlib and Plotly figures, not bitmaps")
    if name == "jpeg" and image.mode not in ("RGB", "L", "CMYK"):
        image = _on_white(image)
    buffer = io.BytesIO()
    image.save(buffer, format=name.upper(), **options)
    return buffer.getvalue()


def _from_array(array: Any) -> Any:
    """A PIL image of a numpy array (uint8, or float in [0, 1])."""
    try:
        import numpy
        from PIL import Image
    except ImportError as exc:
        raise ImportError(IMAGES_MISSING) from exc
    if not isinstance(array, numpy.ndarray):
        raise TypeError(f"image_bytes() takes {ACCEPTED}, not {type(array).__name__}")
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] in (3, 4))):
        raise ValueError(f"an image array is H×W, H×W×3 or H×W×4, not {array.shape}")
    if array.dtype.kind == "f":
        array = numpy.rint(numpy.clip(numpy.nan_to_num(array), 0.0, 1.0) * 255)
    elif array.dtype != numpy.uint8:
        raise ValueError(f"an image array holds uint8 or floats in [0, 1], not {array.dtype}")
    return Image.fromarray(numpy.ascontiguousarray(array, dtype=numpy.uint8))  # L, RGB, RGBA


def _on_white(image: Any) -> Any:
    """An RGB copy of ``image``, its transparent parts on white (JPEG has no alpha)."""
    from PIL import Image

    rgba = image.convert("RGBA")
    flat = Image.new("RGB", rgba.size, (255, 255, 255))
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat
