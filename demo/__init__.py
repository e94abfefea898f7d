"""The parts of the dash-file-cache demo that ``usage.py`` (at the repository root) runs.

One module per part: ``files`` (what the server generates), ``slow`` (the "Slow network"
switch), ``style`` (the page's CSS), ``widgets`` (cards, file rows, status chips), one
``section_*`` module per section of the page, and ``app`` (which puts them together).
Not part of the package: the wheel ships ``dash_file_cache`` only.
"""
