"""A minimal OTLP/HTTP traces receiver for tests/integration/tracing.sh: decodes each POSTed
ExportTraceServiceRequest (protobuf, decoded here by hand from the wire format, field
numbers from opentelemetry-proto) and appends one JSON object per span to OUT:
name, kind, trace_id, span_id, parent_span_id (hex), attributes, status, service.

usage: otlp_receiver.py PORT OUT
"""
import http.server
import json
import struct
import sys

port, out_path = int(sys.argv[1]), sys.argv[2]


def fields(data):
    """Yields (field number, wire type, value) of one protobuf message."""
    i = 0
    while i < len(data):
        key, i = varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(data, i)
        elif wire == 1:
            value, i = struct.unpack_from("<Q", data, i)[0], i + 8
        elif wire == 2:
            length, i = varint(data, i)
            value, i = data[i:i + length], i + length
        elif wire == 5:
            value, i = struct.unpack_from("<I", data, i)[0], i + 4
        else:
            raise ValueError("wire type %d" % wire)
        yield number, wire, value


def varint(data, i):
    result, shift = 0, 0
    while True:
        byte = data[i]
        i += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, i
        shift += 7


def any_value(data):
    for number, _, value in fields(data):
        if number == 1:
            return value.decode()
        if number == 3:
            return value
    return None


def key_values(data):
    key, value = None, None
    for number, _, v in fields(data):
        if number == 1:
            key = v.decode()
        elif number == 2:
            value = any_value(v)
    return key, value


def span(data, service):
    s = {"attributes": {}, "status": "unset", "service": service, "parent_span_id": ""}
    for number, _, value in fields(data):
        if number == 1:
            s["trace_id"] = value.hex()
        elif number == 2:
            s["span_id"] = value.hex()
        elif number == 4:
            s["parent_span_id"] = value.hex()
        elif number == 5:
            s["name"] = value.decode()
        elif number == 6:
            s["kind"] = {1: "internal", 2: "server", 3: "client"}.get(value, value)
        elif number == 7:
            s["start"] = value
        elif number == 8:
            s["end"] = value
        elif number == 9:
            k, v = key_values(value)
            s["attributes"][k] = v
        elif number == 15:
            for n, _, code in fields(value):
                if n == 3:
                    s["status"] = {0: "unset", 1: "ok", 2: "error"}[code]
    return s


def decode(body):
    spans = []
    for _, _, resource_spans in fields(body):
        service = None
        for number, _, value in fields(resource_spans):
            if number == 1:
                for _, _, kv in fields(value):
                    k, v = key_values(kv)
                    if k == "service.name":
                        service = v
            elif number == 2:
                for n, _, item in fields(value):
                    if n == 2:
                        spans.append(span(item, service))
    return spans


class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status = 200
        if self.path != "/v1/traces" or self.headers.get("Content-Type") != "application/x-protobuf":
            status = 415
        else:
            with open(out_path, "a") as out:
                for s in decode(body):
                    s["x-test-header"] = self.headers.get("X-Test-Header")
                    out.write(json.dumps(s, sort_keys=True) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", port), Receiver).serve_forever()
