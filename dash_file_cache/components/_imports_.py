from .CachedImage import CachedImage
from .DownloadLink import DownloadLink

__all__ = [
    "CachedImage",
    "DownloadLink"
]