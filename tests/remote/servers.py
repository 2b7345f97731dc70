"""Real cache servers for the remote-cache tests and benchmarks: Redis and
nginx (WebDAV) started on 127.0.0.1 on a free port with a temporary
configuration, never a system service; and a small fault-injecting HTTP
server (404, 500, redirects, slow and huge responses).

Every server is a context manager: leaving the block stops it (SIGCONT
first, in case a test stopped it)."""
import ctypes
import http.server
import os
import shutil
import signal
import socket
import subprocess
import threading
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def find_program(name):
    path = shutil.which(name) or next(
        (p for p in ("/usr/sbin/" + name, "/usr/bin/" + name) if os.access(p, os.X_OK)), None)
    if not path:
        raise RuntimeError("%s is not installed (make deps installs it)" % name)
    return path


def wait_listening(port, proc, what, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError("%s exited at start-up with status %s" % (what, proc.returncode))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("%s did not start listening on port %d" % (what, port))


def die_with_parent():
    """In the child: SIGKILL when the test process dies, however it dies
    (a killed or timed-out test run leaves no server behind)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)    # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Process:
    """A server child process: stop(), kill(), pause(), resume()."""
    proc = None

    def pause(self):
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self):
        self.proc.send_signal(signal.SIGCONT)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGCONT)
            except ProcessLookupError:
                pass
            self.proc.kill()
            self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


# ---- Redis ----

class RespError(Exception):
    pass


class RespClient:
    """The smallest Redis client: enough to inspect and damage entries."""

    def __init__(self, port=None, unix=None, password=None):
        if unix:
            self.sock = socket.socket(socket.AF_UNIX)
            self.sock.connect(unix)
        else:
            self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.f = self.sock.makefile("rb")
        if password:
            self.cmd("AUTH", password)

    def close(self):
        self.f.close()
        self.sock.close()

    def cmd(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))
        return self._reply()

    def _reply(self):
        line = self.f.readline()
        if not line:
            raise RespError("connection closed")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RespError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.f.read(n + 2)
            return data[:-2]
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._reply() for _ in range(n)]
        raise RespError("bad reply %r" % line)


class Redis(Process):
    def __init__(self, tmp, conf="", password=None, unix=False):
        self.dir = os.path.join(tmp, "redis-%d" % free_port())
        os.makedirs(self.dir)
        self.port = free_port()
        self.password = password
        self.unix = os.path.join(self.dir, "redis.sock") if unix else None
        lines = ["port %d" % self.port, "bind 127.0.0.1", "dir %s" % self.dir, 'save ""',
                 "appendonly no", "daemonize no", "logfile %s" % os.path.join(self.dir, "redis.log")]
        if password:
            lines.append("requirepass %s" % password)
        if self.unix:
            lines += ["unixsocket %s" % self.unix, "unixsocketperm 700"]
        path = os.path.join(self.dir, "redis.conf")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n" + conf + "\n")
        self.proc = subprocess.Popen([find_program("redis-server"), path], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, preexec_fn=die_with_parent)
        wait_listening(self.port, self.proc, "redis-server")

    def url(self, db=None, password=None):
        auth = ":%s@" % password if password else ""
        return "redis://%s127.0.0.1:%d%s" % (auth, self.port, "/%d" % db if db is not None else "")

    def client(self):
        return RespClient(self.port, password=self.password)

    def cmd(self, *args):
        c = self.client()
        try:
            return c.cmd(*args)
        finally:
            c.close()


# ---- nginx with WebDAV PUT ----

NGINX_CONF = """daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {dir}/tmp/body;
  proxy_temp_path {dir}/tmp/proxy;
  fastcgi_temp_path {dir}/tmp/fastcgi;
  uwsgi_temp_path {dir}/tmp/uwsgi;
  scgi_temp_path {dir}/tmp/scgi;
  server {{
    listen 127.0.0.1:{port};
    root {dir}/www;
    location /sigil/ {{
      dav_methods PUT;
      create_full_put_path on;
      dav_access user:rw;
      client_max_body_size 64m;
      log_not_found off;
{extra}
    }}
  }}
}}
"""


class Nginx(Process):
    """nginx in one process (master_process off), so SIGSTOP stops it all.
    Entries live under self.root (the /sigil/ prefix)."""

    def __init__(self, tmp, extra=""):
        self.port = free_port()
        self.dir = os.path.join(tmp, "nginx-%d" % self.port)
        self.root = os.path.join(self.dir, "www", "sigil")
        os.makedirs(self.root)
        os.makedirs(os.path.join(self.dir, "tmp"))
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(dir=self.dir, port=self.port, extra=extra))
        err = os.path.join(self.dir, "error.log")
        self.proc = subprocess.Popen([find_program("nginx"), "-p", self.dir, "-e", err, "-c", conf],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=die_with_parent)
        wait_listening(self.port, self.proc, "nginx")

    def url(self):
        return "http://127.0.0.1:%d/sigil" % self.port

    def entry_path(self, hexkey):
        return os.path.join(self.root, hexkey[:2], hexkey)

    def entries(self):
        out = []
        for d, _, files in os.walk(self.root):
            out += [os.path.join(d, f) for f in files]
        return out


# ---- a fault-injecting HTTP server (in a thread of the test process) ----

class FaultHTTP:
    """Serves a dict of path -> bytes from memory (PUT stores, GET/HEAD read)
    with a fault mode: "ok", "500" (every request fails), "404" (nothing is
    ever there), "redirect" (every request is sent to /moved/...),
    "redirect-loop", "slow" (answers after `delay` s), "huge" (a 100 MB
    Content-Length), "huge-chunked" (an endless chunked body)."""

    def __init__(self, mode="ok", delay=3.0):
        self.mode = mode
        self.delay = delay
        self.store = {}
        self.requests = []
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _send(self, code, body=b"", headers=()):
                self.send_response(code)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _fault(self):
                with outer.lock:
                    outer.requests.append((self.command, self.path))
                mode = outer.mode
                if mode == "500":
                    self._send(500, b"boom")
                    return True
                if mode == "redirect-loop":
                    self._send(302, headers=[("Location", self.path)])
                    return True
                if mode == "redirect" and not self.path.startswith("/moved/"):
                    self._send(307, headers=[("Location", "/moved" + self.path)])
                    return True
                if mode == "slow":
                    time.sleep(outer.delay)
                if mode == "huge" and self.command == "GET":
                    self.send_response(200)
                    self.send_header("Content-Length", str(100 << 20))
                    self.end_headers()
                    try:
                        chunk = b"x" * 65536
                        for _ in range(100 << 4):
                            self.wfile.write(chunk)
                    except OSError:
                        pass
                    return True
                if mode == "huge-chunked" and self.command == "GET":
                    self.send_response(200)
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    try:
                        chunk = b"10000\r\n" + b"x" * 65536 + b"\r\n"
                        for _ in range(100 << 4):
                            self.wfile.write(chunk)
                        self.wfile.write(b"0\r\n\r\n")
                    except OSError:
                        pass
                    return True
                return False

            def _key(self):
                return self.path[len("/moved"):] if self.path.startswith("/moved/") else self.path

            def do_GET(self):
                if self._fault():
                    return
                body = None if outer.mode == "404" else outer.store.get(self._key())
                self._send(404) if body is None else self._send(200, body)

            def do_HEAD(self):
                self.do_GET()

            def do_PUT(self):
                n = int(self.headers.get("Content-Length", "0"))
                data = self.rfile.read(n)
                if self._fault():
                    return
                with outer.lock:
                    outer.store[self._key()] = data
                self._send(201)

        class Server(http.server.ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass    # clients hang up on slow and huge answers on purpose

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self):
        return "http://127.0.0.1:%d/c" % self.port

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
