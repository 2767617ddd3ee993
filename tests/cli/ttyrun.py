"""Running vaultui-cli on a pseudo-terminal, answering its prompts like a person would."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time
from dataclasses import dataclass

from clihelpers import CLI


@dataclass
class TtyResult:
    code: int
    out: str
    err: str
    echoed: str  # what the terminal showed of the typed answers


def _read_until_prompt(fd: int, buf: bytearray, start: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        tail = bytes(buf[start:]).rstrip(b" ")
        if tail.endswith(b":") and tail.count(b"\n") <= tail.rfind(b":"):
            return
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            chunk = os.read(fd, 4096)
            if not chunk:
                raise AssertionError(f"no prompt; stderr so far: {bytes(buf).decode()!r}")
            buf += chunk
    raise AssertionError(f"timed out waiting for a prompt; stderr: {bytes(buf).decode()!r}")


def run_on_tty(*args: str, answers: list[str], env: dict[str, str] | None = None,
               timeout: float = 60) -> TtyResult:
    """Run the CLI with a terminal as stdin, no passphrase in the environment."""
    master, slave = pty.openpty()
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("VAULTUI_PASSPHRASE", "VAULTUI_NEW_PASSPHRASE")}
    full_env.update(env or {})
    proc = subprocess.Popen([str(CLI), *args], stdin=slave, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=full_env, start_new_session=True)
    os.close(slave)
    assert proc.stderr is not None and proc.stdout is not None
    err = bytearray()
    deadline = time.monotonic() + timeout
    try:
        for answer in answers:
            start = len(err)
            _read_until_prompt(proc.stderr.fileno(), err, start, deadline)
            os.write(master, answer.encode("utf-8") + b"\n")
            # The next prompt must come after this one.
            err += b"\n"
        out, rest = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    echoed = bytearray()
    while True:
        try:
            ready, _, _ = select.select([master], [], [], 0.1)
            if not ready:
                break
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        echoed += chunk
    os.close(master)
    return TtyResult(proc.returncode, out.decode(), (bytes(err) + rest).decode(),
                     bytes(echoed).decode("utf-8", "replace"))
