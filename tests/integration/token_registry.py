#!/usr/bin/python3
"""A fake image registry with Bearer token auth, for black-box tests (TokenRegistry in
docker_support.h): only what listing tags needs, without the JWT signing of a real one.

Usage: token_registry.py DIR. Reads DIR/config.json on every request:
  {"username": "...", "password": "...", "repositories": {"name": ["tag", ...]}}
listens on 127.0.0.1 and a port the kernel picks, writes that port to DIR/port, and logs one
line per request ("GET /token?... 200") to DIR/requests.log.

  GET /v2/                        401 with a Bearer challenge; 200 with any token it issued
  GET /token?service=&scope=      Basic credentials: {"token": ...} for the scope's repository
                                  (repository:<name>:pull); wrong or none: 401
  GET /v2/<name>/tags/list[?n=&last=]
                                  the tags in order, after `last`, at most `n`, with a
                                  Link: <...>; rel="next" header while more remain; a token for
                                  another repository or none: 401 with the challenge
"""
import base64
import http.server
import json
import os
import re
import secrets
import sys
import threading
import urllib.parse

SERVICE = "berth-test"
TAGS_PATH = re.compile(r"^/v2/(.+)/tags/list$")


class Registry:
    def __init__(self, directory):
        self.directory = directory
        self.lock = threading.Lock()
        self.tokens = {}  # token -> repository it grants pull on
        self.log = open(os.path.join(directory, "requests.log"), "a", buffering=1)

    def config(self):
        with open(os.path.join(self.directory, "config.json")) as f:
            return json.load(f)

    def issue(self, repository):
        token = secrets.token_hex(16)
        with self.lock:
            self.tokens[token] = repository
        return token

    def repository_of(self, token):
        with self.lock:
            return self.tokens.get(token)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        tags = TAGS_PATH.match(url.path)
        if url.path == "/token":
            self.token(query)
        elif url.path == "/v2/":
            self.base()
        elif tags:
            self.tags(tags.group(1), query)
        else:
            self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": url.path}]})

    def token(self, query):
        config = self.server.registry.config()
        expected = "Basic " + base64.b64encode(
            (config["username"] + ":" + config["password"]).encode()).decode()
        if self.headers.get("Authorization") != expected:
            self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": "bad credentials"}]},
                       {"WWW-Authenticate": 'Basic realm="berth-test"'})
            return
        scope = query.get("scope", [""])[0]
        match = re.match(r"^repository:(.+):pull$", scope)
        if query.get("service", [""])[0] != SERVICE or not match:
            self.reply(400, {"errors": [{"code": "DENIED", "message": "bad service or scope"}]})
            return
        token = self.server.registry.issue(match.group(1))
        self.reply(200, {"token": token, "access_token": token, "expires_in": 300})

    def bearer(self):
        header = self.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        return self.server.registry.repository_of(header[len("Bearer "):])

    def challenge(self, repository):
        realm = "http://127.0.0.1:%d/token" % self.server.server_port
        value = 'Bearer realm="%s",service="%s"' % (realm, SERVICE)
        if repository is not None:
            value += ',scope="repository:%s:pull"' % repository
        body = {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]}
        self.reply(401, body, {"WWW-Authenticate": value})

    def base(self):
        if self.bearer() is None:
            self.challenge(None)
        else:
            self.reply(200, {})

    def tags(self, repository, query):
        if self.bearer() != repository:
            self.challenge(repository)
            return
        all_tags = self.server.registry.config()["repositories"].get(repository)
        if all_tags is None:
            self.reply(404, {"errors": [{"code": "NAME_UNKNOWN", "message": repository}]})
            return
        last = query.get("last", [""])[0]
        page = [tag for tag in sorted(all_tags) if tag > last]
        headers = {}
        if "n" in query:
            if not query["n"][0].isdigit():
                self.reply(400, {"errors": [{"code": "PAGINATION_NUMBER_INVALID", "message": "n"}]})
                return
            n = int(query["n"][0])
            if 0 < n < len(page):
                headers["Link"] = '</v2/%s/tags/list?n=%d&last=%s>; rel="next"' % (
                    repository, n, urllib.parse.quote(page[n - 1]))
            page = page[:n]
        self.reply(200, {"name": repository, "tags": page}, headers)

    def reply(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Docker-Distribution-Api-Version", "registry/2.0")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.server.registry.log.write("%s %s %d\n" % (self.command, self.path, status))


def main():
    directory = sys.argv[1]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.registry = Registry(directory)
    temporary = os.path.join(directory, "port.tmp")
    with open(temporary, "w") as f:
        f.write(str(server.server_port))
    os.rename(temporary, os.path.join(directory, "port"))
    server.serve_forever()


if __name__ == "__main__":
    main()
