"""A minimal OTLP/HTTP receiver for tests/integration/otel.sh. It decodes each POSTed
ExportTraceServiceRequest or ExportMetricsServiceRequest (protobuf, decoded here by hand
from the wire format, field numbers from opentelemetry-proto) and appends one JSON object
per span to OUT (name, kind, trace_id, span_id, parent_span_id in hex, attributes, status,
service) and one per metric data point to OUT.metrics (metric, unit, kind, temporality,
monotonic, attributes, value or count/sum/bucket_counts/bounds, service, scope).

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


def as_double(bits):
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


def packed(data, fmt):
    size = struct.calcsize(fmt)
    return [struct.unpack_from(fmt, data, i)[0] for i in range(0, len(data), size)]


def resource_service(data):
    for _, _, kv in fields(data):
        k, v = key_values(kv)
        if k == "service.name":
            return v
    return None


def data_points(metric_name, unit, kind, data, service, scope):
    """The points of a Sum (kind "sum") or Histogram (kind "histogram") message."""
    points, temporality, monotonic = [], None, False
    for number, _, value in fields(data):
        if number == 2:
            temporality = {1: "delta", 2: "cumulative"}.get(value, value)
        elif number == 3:
            monotonic = bool(value)
        elif number == 1:
            p = {"attributes": {}}
            for n, _, v in fields(value):
                if (kind == "sum" and n == 7) or (kind == "histogram" and n == 9):
                    k, val = key_values(v)
                    p["attributes"][k] = val
                elif kind == "sum" and n == 6:
                    p["value"] = v
                elif kind == "sum" and n == 4:
                    p["value"] = as_double(v)
                elif kind == "histogram" and n == 4:
                    p["count"] = v
                elif kind == "histogram" and n == 5:
                    p["sum"] = as_double(v)
                elif kind == "histogram" and n == 6:
                    p["bucket_counts"] = packed(v, "<Q")
                elif kind == "histogram" and n == 7:
                    p["bounds"] = packed(v, "<d")
            points.append(p)
    for p in points:
        p.update(metric=metric_name, unit=unit, kind=kind, temporality=temporality, monotonic=monotonic,
                 service=service, scope=scope)
    return points


def decode_metrics(body):
    points = []
    for _, _, resource_metrics in fields(body):
        service = None
        for number, _, value in fields(resource_metrics):
            if number == 1:
                service = resource_service(value)
            elif number == 2:
                scope = None
                for n, _, item in fields(value):
                    if n == 1:
                        scope = dict((k, v) for k, _, v in fields(item)).get(1, b"").decode()
                    elif n == 2:
                        name, unit = None, ""
                        for m, _, v in fields(item):
                            if m == 1:
                                name = v.decode()
                            elif m == 3:
                                unit = v.decode()
                            elif m == 7:
                                points += data_points(name, unit, "sum", v, service, scope)
                            elif m == 9:
                                points += data_points(name, unit, "histogram", v, service, scope)
    return points


class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status = 200
        if self.headers.get("Content-Type") != "application/x-protobuf":
            status = 415
        elif self.path == "/v1/metrics":
            with open(out_path + ".metrics", "a") as out:
                for p in decode_metrics(body):
                    out.write(json.dumps(p, sort_keys=True) + "\n")
        elif self.path != "/v1/traces":
            status = 404
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
