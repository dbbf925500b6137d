"""Runs a command in a real pseudo-terminal and answers its prompts, as a person would.

Usage: python3 pty-drive.py '{"argv": [...], "env": {...}, "steps": [{"expect": "regex", "send": "text"}], "timeout": 30}'
Optional: "columns" (and "rows", default 24), the terminal's size; without them it has none (0×0).
Prints one JSON line: {"exitCode": N, "output": "everything the terminal showed"}.
Python's pty module is part of the standard library on every machine that runs the tests.
"""
import fcntl
import json
import os
import pty
import re
import select
import struct
import sys
import termios
import time

spec = json.loads(sys.argv[1])
deadline = time.time() + spec.get("timeout", 30)
pid, fd = pty.fork()
if pid == 0:
    if "columns" in spec:
        # The child's stdin is the terminal: its size, as a window would set it.
        size = struct.pack("HHHH", spec.get("rows", 24), spec["columns"], 0, 0)
        fcntl.ioctl(0, termios.TIOCSWINSZ, size)
    env = dict(os.environ)
    for key, value in spec.get("env", {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    os.execvpe(spec["argv"][0], spec["argv"], env)

output = b""


def read_some(wait):
    global output
    ready, _, _ = select.select([fd], [], [], wait)
    if not ready:
        return True
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        return False
    if not chunk:
        return False
    output += chunk
    return True


seen = 0
for step in spec.get("steps", []):
    pattern = re.compile(step["expect"])
    while True:
        match = pattern.search(output.decode("utf-8", "replace"), seen)
        if match:
            seen = match.end()
            break
        if time.time() > deadline or not read_some(0.2):
            print(json.dumps({"exitCode": None, "output": output.decode("utf-8", "replace"), "error": "timed out waiting for " + step["expect"]}))
            os.kill(pid, 9)
            sys.exit(0)
    os.write(fd, step["send"].encode("utf-8"))

while time.time() < deadline and read_some(0.2):
    pass
_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
print(json.dumps({"exitCode": code, "output": output.decode("utf-8", "replace")}))
