"""``dash_file_cache.generate.image_bytes``: PIL images, numpy arrays, matplotlib and
Plotly figures, encoded and decoded again with Pillow."""

from __future__ import annotations

import importlib.util
import io
from typing import Any

import pytest

from dash_file_cache.generate import image_bytes

numpy = pytest.importorskip("numpy")
Image = pytest.importorskip("PIL.Image")


def decoded(data: bytes) -> Any:
    assert isinstance(data, bytes)
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def gradient(height: int = 12, width: int = 20) -> Any:
    """An RGB uint8 array, every pixel different."""
    y, x = numpy.mgrid[0:height, 0:width]
    return numpy.stack([x * 12, y * 20, (x + y) * 5], axis=-1).astype(numpy.uint8)


@pytest.mark.parametrize(
    ("array", "mode"),
    [
        (gradient()[:, :, 0], "L"),
        (gradient(), "RGB"),
        (numpy.dstack([gradient(), numpy.full((12, 20), 128, numpy.uint8)]), "RGBA"),
        (gradient()[:, :, :1], "L"),
    ],
)
@pytest.mark.parametrize("format", ["png", "webp"])
def test_img001_numpy_arrays_lossless(array: Any, mode: str, format: str) -> None:
    options = {"lossless": True} if format == "webp" else {}
    image = decoded(image_bytes(array, format, **options))
    assert image.format == format.upper() and image.size == (20, 12)
    image = image.convert(mode) if format == "webp" else image  # WebP has no grey mode
    assert image.mode == mode
    assert numpy.array_equal(numpy.asarray(image), array.reshape(numpy.asarray(image).shape))


def test_img002_float_arrays_are_scaled_and_clipped() -> None:
    values = numpy.array([[0.0, 0.5, 1.0, 2.0], [-1.0, 0.25, 0.75, numpy.nan]])
    image = decoded(image_bytes(values))
    assert image.mode == "L"
    assert numpy.asarray(image).tolist() == [[0, 128, 255, 255], [0, 64, 191, 0]]


def test_img003_pil_images_and_jpeg() -> None:
    source = Image.fromarray(gradient())
    assert numpy.array_equal(numpy.asarray(decoded(image_bytes(source))), gradient())
    jpeg = decoded(image_bytes(source, "JPG", quality=95))
    assert jpeg.format == "JPEG" and jpeg.size == (20, 12)
    assert numpy.abs(numpy.asarray(jpeg).astype(int) - gradient()).mean() < 8
    transparent = Image.new("RGBA", (8, 8), (255, 0, 0, 0))  # JPEG has no alpha: on white
    flat = decoded(image_bytes(transparent, "jpeg"))
    assert flat.mode == "RGB" and min(flat.getpixel((4, 4))) > 245


def test_img004_matplotlib_png_and_svg() -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure  # no pyplot: no global state, no GUI backend

    figure = Figure(figsize=(4, 3), dpi=50)
    figure.add_subplot().plot([0, 1, 2], [2, 0, 1])
    png = decoded(image_bytes(figure, "png"))
    assert png.format == "PNG" and png.size == (200, 150)
    assert decoded(image_bytes(figure, "png", dpi=100)).size == (400, 300)
    svg = image_bytes(figure, "svg")
    assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg


def test_img005_plotly_needs_kaleido() -> None:
    go = pytest.importorskip("plotly.graph_objects")
    figure = go.Figure(go.Scatter(x=[0, 1], y=[1, 0]))
    if importlib.util.find_spec("kaleido") is not None:
        pytest.skip("kaleido is installed here; its error cannot be seen")
    with pytest.raises(ImportError, match="kaleido"):
        image_bytes(figure, "png")


def test_img006_mistakes_are_refused() -> None:
    with pytest.raises(TypeError, match="PIL image, a numpy array.*matplotlib.*Plotly") as refused:
        image_bytes(b"\x89PNG...")
    assert "not bytes" in str(refused.value)
    with pytest.raises(ValueError, match="format"):
        image_bytes(gradient(), "gif")
    with pytest.raises(ValueError, match="SVG"):
        image_bytes(gradient(), "svg")
    with pytest.raises(ValueError, match="H×W"):
        image_bytes(numpy.zeros((4, 4, 2), numpy.uint8))
    with pytest.raises(ValueError, match="uint8"):
        image_bytes(numpy.zeros((4, 4), numpy.int64))
