"""gunicorn settings for a Dash app with dash-file-cache (``gunicorn -c gunicorn.conf.py app:server``).

With ``offload="x-accel-redirect"`` nginx sends the files, so sync workers stay free for
callbacks; without offload, prefer ``worker_class = "gthread"`` with a few threads per
worker, since each download holds a thread for its whole duration.
"""

bind = "127.0.0.1:8000"  # nginx proxies to it (upstream dash_app)
workers = 2  # processes: share items through CacheFile (one host) or CacheRedis (many)
worker_class = "sync"
timeout = 120  # seconds a worker may spend on one request before it is restarted
graceful_timeout = 30  # seconds to finish requests on SIGTERM
accesslog = "-"  # to stderr
# The default format logs the request line with its query string, that is every item's
# uid: a bearer link to it. %(U)s is the path alone.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'
