"""An HTTPS backend for tests/integration/tls.sh: answers every request with what it saw,
one `key=value` per line: the TLS server name the client sent (sni), the Host header,
X-Forwarded-Proto and X-Forwarded-For, the path.

usage: https_echo.py PORT CERT KEY
"""
import http.server
import ssl
import sys

port, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]


class Echo(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so that pooled connections are reused

    def do_GET(self):
        lines = [
            "sni=%s" % getattr(self.connection, "sni", None),
            "host=%s" % self.headers.get("Host"),
            "proto=%s" % self.headers.get("X-Forwarded-Proto"),
            "xff=%s" % self.headers.get("X-Forwarded-For"),
            "path=%s" % self.path,
        ]
        body = ("\n".join(lines) + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def remember_sni(sock, name, _context):
    sock.sni = name


context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
context.sni_callback = remember_sni
server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Echo)
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
