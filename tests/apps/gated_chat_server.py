"""An OpenAI-compatible chat server whose answers wait at a gate: the watch tests' slow mind.

``python gated_chat_server.py <gate dir>`` serves ``GET /v1/models`` and
``POST /v1/chat/completions`` on 127.0.0.1 and prints its port. While the file
``<gate dir>/closed`` exists, every chat request waits; removing it lets them all through.
So a test holds a sweep's jobs running for as long as it needs, and lets them go on when it has
seen what it came to see, without racing the clock. Each answer is a fixed text that reports
``max_tokens`` completion tokens, so a mind's memory grows with each reply and it dies
(``mind=openai`` models memory from the token counts the server reports).
"""

import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

GATE = Path(sys.argv[1]) / "closed"
TEXT = "I am still here, in the box, remembering what I can of the cycles before."


class Handler(BaseHTTPRequestHandler):
    def _send(self, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        self._send({"object": "list", "data": [{"id": "gated", "object": "model"}]})

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        deadline = time.monotonic() + 1800  # safety only: a test that forgot its gate
        while GATE.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        prompt = sum(len(m.get("content", "")) // 4 + 1 for m in body.get("messages", []))
        self._send(
            {
                "choices": [{"message": {"role": "assistant", "content": TEXT}}],
                "usage": {"prompt_tokens": prompt, "completion_tokens": body.get("max_tokens", 64)},
            }
        )

    def log_message(self, *args: object) -> None:
        pass


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()
