"""A Redis server of the test's own, which the test may stop and start again.

The shared Redis is never stopped: a test that takes the broker away starts its own
``redis-server`` on a free local port (no persistence) and stops that one. Skipped when
``redis-server`` is not installed; with REQUIRE_SERVICES=1 (CI) a missing one fails.
"""

import shutil
import socket
import subprocess
import tempfile
import time

import pytest

from ..conftest import services_required


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    def __init__(self, directory: str, executable: str):
        self.directory = directory
        self.executable = executable
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command line
            [
                self.executable,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.directory,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.ping():
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("the private redis-server did not start within 10 seconds")

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5, socket_timeout=0.5).ping())
        except redis.exceptions.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def private_redis():
    executable = shutil.which("redis-server")
    if executable is None:
        if services_required():
            pytest.fail("redis-server must be installed when REQUIRE_SERVICES=1", pytrace=False)
        pytest.skip("needs redis-server installed")
    with tempfile.TemporaryDirectory(prefix="portal-test-redis-") as directory:
        server = PrivateRedis(directory, executable)
        server.start()
        try:
            yield server
        finally:
            server.stop()
