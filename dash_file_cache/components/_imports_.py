from .CachedImage import CachedImage
from .DownloadLink import DownloadLink
from .Downloader import Downloader
from .PlainDownloader import PlainDownloader

__all__ = [
    "CachedImage",
    "DownloadLink",
    "Downloader",
    "PlainDownloader"
]