"""Helpers for what apps generate most, to pass to ``ServiceData.register()``.

- :func:`zip_stream`: a zip archive of files, bytes and generated entries, written as it
  streams (a generator of ``bytes``, memory flat, ZIP64 when needed);
- :func:`csv_rows`: a pandas or polars data frame as CSV, in slices of rows;
- :func:`image_bytes`: a PIL image, numpy array, matplotlib or Plotly figure as PNG,
  JPEG, WebP or SVG ``bytes``.
"""

from .archive import ZipEntry, ZipSource, zip_stream
from .images import image_bytes
from .tables import csv_rows

__all__ = ("ZipEntry", "ZipSource", "csv_rows", "image_bytes", "zip_stream")
