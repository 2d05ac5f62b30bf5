#!/usr/bin/env python3
"""A small HTTP/1.1 app for the proxy tests, run by berthd as a process app on $PORT.

GET  /headers           the request's path and headers as JSON
POST /echo              the body's length and SHA-256 (Content-Length or chunked)
GET  /stream?n=N&gap=S  N chunked lines, S seconds apart, each flushed at once
GET  /wait?file=F       waits until file F exists, then answers (for in-flight requests)
GET  /sleep?s=S         answers after S seconds
GET  /big?n=N           N bytes
GET  /status?code=C     answers with status C
GET  /ws                a WebSocket that echoes text frames
GET  /whole             "whole", its head and body sent in one piece
anything else           200 "hello from <BERTH_APP> <PORT>"
"""
import base64
import hashlib
import json
import os
import socket
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, body, content_type="text/plain"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b""):
                        pass
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/headers":
            return self.reply(200, json.dumps({"path": self.path, "headers": dict(self.headers)}),
                              "application/json")
        if url.path == "/stream":
            return self.stream(int(query.get("n", "3")), float(query.get("gap", "0.2")))
        if url.path == "/wait":
            while not os.path.exists(query["file"]):
                time.sleep(0.02)
            return self.reply(200, "waited")
        if url.path == "/sleep":
            time.sleep(float(query.get("s", "1")))
            return self.reply(200, "slept")
        if url.path == "/big":
            return self.reply(200, b"x" * int(query.get("n", "1")), "application/octet-stream")
        if url.path == "/status":
            return self.reply(int(query.get("code", "200")), "status")
        if url.path == "/ws":
            return self.websocket()
        if url.path == "/whole":
            return self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nwhole")
        self.reply(200, "hello from %s %s\n" % (os.environ.get("BERTH_APP", "?"), os.environ["PORT"]))

    def do_POST(self):
        body = self.read_body()
        self.reply(200, json.dumps({"length": len(body), "sha256": hashlib.sha256(body).hexdigest()}),
                   "application/json")

    def stream(self, n, gap):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i in range(n):
            line = ("data: %d\n\n" % i).encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
            self.wfile.flush()
            time.sleep(gap)
        self.wfile.write(b"0\r\n\r\n")

    def websocket(self):
        key = self.headers.get("Sec-WebSocket-Key", "")
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        while True:
            head = self.rfile.read(2)
            if len(head) < 2:
                return
            opcode, length = head[0] & 0x0F, head[1] & 0x7F
            if length == 126:
                length = int.from_bytes(self.rfile.read(2), "big")
            mask = self.rfile.read(4) if head[1] & 0x80 else b"\0\0\0\0"
            data = bytes(b ^ mask[i % 4] for i, b in enumerate(self.rfile.read(length)))
            if opcode == 8:
                self.wfile.write(b"\x88\x00")
                return
            reply = data if opcode == 1 else b""
            frame = bytes([0x81, len(reply)]) if len(reply) < 126 else \
                bytes([0x81, 126]) + len(reply).to_bytes(2, "big")
            self.wfile.write(frame + reply)
            self.wfile.flush()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    address_family = socket.AF_INET


if __name__ == "__main__":
    Server((os.environ.get("HOST", "127.0.0.1"), int(os.environ["PORT"])), Handler).serve_forever()
