"""Running ffmpeg and ffprobe: the one place that starts them, ties them to the worker's life,
reads ffmpeg's progress and turns its failure into a message for the editor."""

import ctypes
import signal
import subprocess
from collections.abc import Callable

from django.utils.translation import gettext as _

PR_SET_PDEATHSIG = 1  # linux/prctl.h


class TranscodeError(RuntimeError):
    """A rendition or clip could not be made; the message says why, for the editor (ffmpeg's
    failures end with its last lines of output)."""


def run(command: list[str], *, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run a tool to its end and return its output; the caller reads the exit status.
    `subprocess.TimeoutExpired`, the tool killed, after `timeout` seconds."""
    return subprocess.run(  # noqa: S603  # our arguments; paths from our storage
        command,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        preexec_fn=_die_with_parent,  # only calls prctl: safe between fork and exec
    )


def run_with_progress(
    command: list[str], duration: float, on_progress: Callable[[int], None]
) -> None:
    """Run an ffmpeg command that has `-progress pipe:1`, reporting whole percents of
    `duration` done; TranscodeError with ffmpeg's last lines if it fails."""
    process = subprocess.Popen(  # noqa: S603  # our arguments; paths from our storage
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_die_with_parent,  # only calls prctl: safe between fork and exec
    )
    assert process.stdout is not None  # noqa: S101  # stdout=PIPE
    reported = -1
    try:
        for line in process.stdout:
            key, _separator, value = line.strip().partition("=")
            if key == "out_time_us" and value.isdigit() and duration > 0:
                percent = min(99, int(int(value) / 1_000_000 / duration * 100))
                if percent > reported:
                    reported = percent
                    on_progress(percent)
        _out, errors = process.communicate()
    except BaseException:
        # Interrupted (the job's time limit, a shutdown, a progress update that failed):
        # ffmpeg must not go on encoding an hour for nobody, into a folder removed.
        process.kill()
        process.communicate()
        raise
    if process.returncode != 0:
        tail = "\n".join(errors.strip().splitlines()[-5:])
        raise TranscodeError(
            _("ffmpeg could not convert the file (exit status %(status)s): %(detail)s")
            % {"status": process.returncode, "detail": tail}
        )
    on_progress(100)


def _die_with_parent() -> None:
    """In the child: be killed if the worker dies (even by SIGKILL), so a killed job leaves
    no ffmpeg running on. Linux only; elsewhere nothing happens."""
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGKILL)


# Looked up once, in the parent: between fork and exec the child only makes the call.
_PRCTL = getattr(ctypes.CDLL(None, use_errno=True), "prctl", None)
