"""A course site on a second local origin: a small static server (a thread in the test
process) that serves the pages a test writes, the way a teacher's site would serve them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class CourseSite:
    origin: str
    pages: dict[str, str] = field(default_factory=dict)

    def publish(self, path: str, html: str) -> str:
        """Serve ``html`` at ``path``; returns the page's URL."""
        self.pages[path] = html
        return self.origin + path


@contextmanager
def course_site() -> Iterator[CourseSite]:
    site = CourseSite("")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            html = site.pages.get(self.path.split("?")[0])
            body = (html or "<!doctype html><title>Not here</title>").encode()
            self.send_response(200 if html is not None else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: the tests say what matters

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    site.origin = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="course-site", daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def course_page(title: str, body: str) -> str:
    """A plain page around ``body``, like a course's lesson."""
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{title}</title>
  <link rel="icon" href="data:,">
  <style>
    body {{ margin: 0; padding: 8px; font: 14px/1.4 sans-serif; }}
    .row {{ display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 8px; }}
  </style>
</head>
<body>
<h1>{title}</h1>
{body}
</body>
</html>
"""
