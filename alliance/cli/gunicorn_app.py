"""gunicorn run from inside `alliance serve`, with the project's gunicorn.conf.py.

The embedded default (`make demo`, a school's laptop) is then the same server as in
production: several workers, request timeouts, workers that crash come back.
"""
import os

from gunicorn.app.base import BaseApplication

from ..config import PROJECT_ROOT

CONFIG = os.path.join(PROJECT_ROOT, "gunicorn.conf.py")


class _Alliance(BaseApplication):
    """A gunicorn application whose workers each build the app with create_app()."""

    def __init__(self, bind):
        self.bind = bind
        super().__init__()

    def load_config(self):
        """Read gunicorn.conf.py (workers, threads, timeouts, hooks), then bind where asked."""
        if os.path.exists(CONFIG):
            settings = {"__file__": CONFIG}
            with open(CONFIG, encoding="utf-8") as handle:
                exec(compile(handle.read(), CONFIG, "exec"), settings)  # noqa: S102 (our file)
            for key, value in settings.items():
                if key in self.cfg.settings and value is not None:
                    self.cfg.set(key, value)
        self.cfg.set("bind", [self.bind])

    def load(self):
        """Build the app in the worker (after the fork: its own database pool, its own pandoc)."""
        from .. import create_app
        return create_app()


def run_gunicorn(bind):
    """Serve on ``bind`` ("host:port") with gunicorn until interrupted."""
    _Alliance(bind).run()
