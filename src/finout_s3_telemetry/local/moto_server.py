"""A moto server on 127.0.0.1 at a free port, run as its own process.

`LocalAws` starts it and stops it on every path (including Ctrl-C):

    with LocalAws(account_id="111122223333") as aws:
        aws.endpoint_url  # http://127.0.0.1:<port>

`python -m finout_s3_telemetry.local.moto_server` runs it in the foreground and prints the URL.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import urllib.request
from types import TracebackType

DEFAULT_ACCOUNT_ID = "111122223333"
READY_PREFIX = "moto ready at "


class LocalAwsError(RuntimeError):
    pass


class LocalAws:
    """A moto server subprocess; use as a context manager."""

    def __init__(self, account_id: str | None = DEFAULT_ACCOUNT_ID, startup_timeout: float = 30.0):
        self.account_id = account_id
        """The one account moto answers as; None: every account a request's credentials belong
        to, so that credentials from sts:AssumeRole of a role in account B act in account B
        (moto serves several accounts only while MOTO_ACCOUNT_ID is unset). The emulator's own
        keys then act in moto's default account, 123456789012."""
        self.startup_timeout = startup_timeout
        self.endpoint_url = ""
        self._process: subprocess.Popen[str] | None = None

    def start(self) -> LocalAws:
        env = {name: value for name, value in os.environ.items() if name != "MOTO_ACCOUNT_ID"}
        if self.account_id is not None:
            env["MOTO_ACCOUNT_ID"] = self.account_id
        self._process = subprocess.Popen(
            [sys.executable, "-m", "finout_s3_telemetry.local.moto_server", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
            start_new_session=True,  # Ctrl-C in a terminal reaches us, and we stop it ourselves
        )
        stdout = self._process.stdout
        assert stdout is not None
        first_line: list[str] = []
        reader = threading.Thread(target=lambda: first_line.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(self.startup_timeout)
        line = first_line[0] if first_line else ""
        if not line.startswith(READY_PREFIX):
            self.stop()
            raise LocalAwsError("the local AWS emulator (moto) did not start")
        self.endpoint_url = line[len(READY_PREFIX) :].strip()
        return self

    def reset(self) -> None:
        """Forget every resource, as if the server had just started."""
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def enforce_iam(self, enforced: bool = True) -> None:
        """From now on authorize every request against the caller's IAM policies (as AWS
        does), or stop doing so. Off at start: the fixed test credentials belong to no IAM
        user, and the harness sets up the users and policies it enforces before turning it on.
        `local/moto_authorization.py` says where the decision is made AWS's."""
        request = urllib.request.Request(
            f"{self.endpoint_url}/moto-api/reset-auth",
            data=b"0" if enforced else b"inf",
            # Not urllib's default form type: moto reads the number from the raw body.
            headers={"Content-Type": "text/plain"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10):
            pass

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> LocalAws:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def serve(port: int) -> None:
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    from finout_s3_telemetry.local import moto_patches

    moto_patches.apply()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    host, bound_port = server.get_host_and_port()
    print(f"{READY_PREFIX}http://{host}:{bound_port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="Run moto on 127.0.0.1 for local deploys.")
    parser.add_argument("--port", type=int, default=0, help="0 (default) picks a free port")
    serve(parser.parse_args().port)


if __name__ == "__main__":
    main()
