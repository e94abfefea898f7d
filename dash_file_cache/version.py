"""The version of this package, at dash-file-cache 0.2.0's import path.

``dash_file_cache.version.__version__`` is ``dash_file_cache.__version__``: both come
from the components' ``package-info.json``, the package's single version source.
"""

from .components import __version__

__all__ = ("__version__",)
