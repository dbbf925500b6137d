"""The stopwatch of `npm run bench` (bench/run.mjs): runs commands side by side and times each.

Usage: python3 measure.py '<json spec>'   (one JSON document on stdout)

  {"mode": "run", "rounds": N, "warmup": 1,
   "commands": [{"name": "...", "argv": [...], "env": {...}, "cwd": "..."}]}
    Each round runs every command once, in turn, starting one further along each round, so no
    command always runs first or last (alternating runs). "{i}" in an argument becomes a number
    new for each run (for an output folder that must not exist yet).
    Gives, per command, the samples: wall time (ms, from spawn to exit), CPU time (ms, user +
    system of the process and its children) and peak RSS (MB), and the exit codes.

  {"mode": "pty", "rounds": N, "warmup": 1, "argv": [...], "env": {...}, "cwd": "...",
   "expect": "regex"}
    Runs the command in a pseudo-terminal and gives the time (ms) from spawn until the terminal
    has shown text matching `expect`; then sends Ctrl-C and waits for the exit.

Python rather than Node for two things Node does not give: the CPU time and peak RSS of a child
(os.wait4), and a pseudo-terminal (pty, in the standard library). Its own start-up is outside
every measurement: the clock starts just before the spawn.
"""
import json
import os
import pty
import re
import select
import signal
import sys
import time

spec = json.loads(sys.argv[1])
counter = [0]


def environment(extra):
    env = dict(os.environ)
    for key, value in (extra or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def expand(argv):
    counter[0] += 1
    return [arg.replace("{i}", str(counter[0])) for arg in argv]


def run_once(command):
    argv = expand(command["argv"])
    env = environment(command.get("env"))
    cwd = command.get("cwd")
    null = os.open(os.devnull, os.O_RDWR)
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            if cwd:
                os.chdir(cwd)
            os.dup2(null, 0)
            os.dup2(null, 1)
            os.dup2(null, 2)
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = (time.perf_counter() - start) * 1000
    os.close(null)
    return {
        "wall": wall,
        "cpu": (usage.ru_utime + usage.ru_stime) * 1000,
        "rss": usage.ru_maxrss / 1024,
        "code": os.waitstatus_to_exitcode(status),
    }


def pty_once(spec):
    argv = expand(spec["argv"])
    env = environment(spec.get("env"))
    pattern = re.compile(spec["expect"])
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        if spec.get("cwd"):
            os.chdir(spec["cwd"])
        os.execve(argv[0], argv, env)
    output = b""
    seen = None
    deadline = start + spec.get("timeout", 30)
    while seen is None and time.perf_counter() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
        if pattern.search(output.decode("utf-8", "replace")):
            seen = (time.perf_counter() - start) * 1000
    try:
        os.write(fd, b"\x03")
    except OSError:
        pass
    # Drain until it exits, so the next round starts on a quiet terminal.
    end = time.perf_counter() + 10
    while time.perf_counter() < end:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                if not os.read(fd, 65536):
                    break
            except OSError:
                break
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
    else:
        os.kill(pid, signal.SIGKILL)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    os.close(fd)
    return {"wall": seen, "output": None if seen else output.decode("utf-8", "replace")[-500:]}


if spec["mode"] == "run":
    commands = spec["commands"]
    samples = {c["name"]: [] for c in commands}
    for _ in range(spec.get("warmup", 1)):
        for command in commands:
            run_once(command)
    for round_ in range(spec["rounds"]):
        shift = round_ % len(commands)
        for command in commands[shift:] + commands[:shift]:
            samples[command["name"]].append(run_once(command))
    print(json.dumps(samples))
else:
    for _ in range(spec.get("warmup", 1)):
        pty_once(spec)
    print(json.dumps([pty_once(spec) for _ in range(spec["rounds"])]))
