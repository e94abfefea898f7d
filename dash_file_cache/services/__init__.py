"""The HTTP services of the package."""

from . import data, http
from .data import ServiceData

__all__ = ("data", "http", "ServiceData")
