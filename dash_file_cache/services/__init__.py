"""The HTTP services of the package."""

from . import data, downloader, http
from .data import ServiceData
from .downloader import ServiceDownloader

__all__ = ("data", "downloader", "http", "ServiceData", "ServiceDownloader")
