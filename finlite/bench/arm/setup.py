"""Build (once) the emulated aarch64 environment ``finlite bench --arm`` runs in.

Everything comes from Debian packages and PyPI, into ``${FINLITE_CACHE:-~/.cache/finlite}/arm64``:

    rootfs/        arm64 Debian bookworm (python3.11): ``debootstrap --foreign --variant=minbase``,
                   every fetched .deb unpacked with dpkg-deb (no second stage, nothing runs as arm64)
    site/          aarch64 wheels of numpy, onnxruntime, ai-edge-litert (the host's versions),
                   installed by the host pip with ``--platform manylinux_2_27_aarch64 …``
    qemu/          qemu-plugin.h from the Debian source of the installed qemu-user (``apt-get source``
                   with a private deb-src list — the host's apt configuration is not changed)
    plugin/        libinsn_count.so (guest instruction counter) and libfakeclock.so (host LD_PRELOAD:
                   a call-counting clock), built by gcc from plugin/*.c
    capi/          finlite_capi, the C-API harness (capi/finlite_capi.c) for aarch64, by Debian's cross gcc
    cpus/<cpu>/    the root handed to ``qemu-aarch64 -L``: links to rootfs plus an aarch64
                   /proc/cpuinfo and /sys/devices/system/cpu of that CPU (qemu-user resolves absolute
                   guest paths in the -L root first, so the runtimes' CPU detection reads these)
    logs/          one log per step
    ready.json     written last: its presence with the current key means the set-up is complete

Each step writes into a temporary directory and renames it when done, so an interrupted set-up is
rebuilt from the failed step on the next run. Host tools (qemu-user, debootstrap, gcc, dpkg-dev) are
installed with apt-get when missing and running as root.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ...errors import FinliteError
from .cpu_profiles import CPUS, cpuinfo_text

SUITE = "bookworm"
MIRROR = os.environ.get("FINLITE_DEBIAN_MIRROR", "http://deb.debian.org/debian")
SECURITY_MIRROR = os.environ.get("FINLITE_DEBIAN_SECURITY_MIRROR", "http://deb.debian.org/debian-security")
GUEST_PYTHON = "3.11"
# Host packages whose versions the guest gets too (same runtime versions as the host's parity checks).
GUEST_PACKAGES = {"numpy": "2.4.6", "onnxruntime": "1.32.0", "ai-edge-litert": "2.3.0"}
HOST_TOOLS = {  # executable -> Debian package
    "qemu-aarch64": "qemu-user",
    "debootstrap": "debootstrap",
    "gcc": "gcc",
    "aarch64-linux-gnu-gcc": "gcc-aarch64-linux-gnu",  # the C-API harness (--arm-binding c)
    "dpkg-deb": "dpkg",
    "dpkg-source": "dpkg-dev",
    "setarch": "util-linux",
    "xz": "xz-utils",
}
PLUGIN_SOURCE = Path(__file__).with_name("plugin") / "insn_count.c"
FAKECLOCK_SOURCE = Path(__file__).with_name("plugin") / "fakeclock.c"
HARNESS_SOURCE = Path(__file__).with_name("capi") / "finlite_capi.c"
SETUP_VERSION = 4  # bump when the layout or a step changes


class ArmSetupError(FinliteError):
    """A step of the aarch64 set-up failed (the message names the step and its log)."""


@dataclass(frozen=True)
class ArmEnv:
    """A complete set-up: what the runner needs."""

    root: Path
    python: str  # guest path of the interpreter inside each cpu root
    site: Path
    plugin: Path
    fakeclock: Path
    qemu: str
    capi: Path  # the aarch64 C-API harness

    def cpu_root(self, cpu: str) -> Path:
        return self.root / "cpus" / cpu


def cache_dir() -> Path:
    """``${FINLITE_CACHE:-~/.cache/finlite}/arm64``."""
    base = os.environ.get("FINLITE_CACHE") or str(Path.home() / ".cache" / "finlite")
    return Path(base).expanduser().resolve() / "arm64"


def _say(msg: str) -> None:
    print(f"[arm setup] {msg}", file=sys.stderr, flush=True)


def _run(cmd: list[str], log: Path, cwd: Path | None = None, env: dict | None = None) -> None:
    """Run ``cmd`` appending its output to ``log``; CalledProcessError on failure."""
    with log.open("a") as fh:
        fh.write(f"$ {' '.join(cmd)}\n")
        fh.flush()
        subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=cwd, env=env, check=True)


def _step(name: str, root: Path, fn: Callable[[Path], None]) -> None:
    """Run one set-up step with a log and a clear error."""
    logs = root / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{name}.log"
    log.write_text("")
    _say(f"{name} ... (log: {log})")
    start = time.monotonic()
    try:
        fn(log)
    except (subprocess.CalledProcessError, OSError) as err:
        raise ArmSetupError(f"arm set-up step '{name}' failed ({err}); see {log}") from None
    _say(f"{name} done in {time.monotonic() - start:.0f} s")


def _fresh(path: Path) -> Path:
    """An empty ``path.tmp`` next to ``path`` (removing leftovers of an interrupted step)."""
    tmp = path.with_name(path.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    return tmp


def _commit(tmp: Path, path: Path, stamp: str) -> None:
    (tmp / ".finlite-step").write_text(stamp)
    if path.exists():
        shutil.rmtree(path)
    tmp.rename(path)


def _done(path: Path, stamp: str) -> bool:
    marker = path / ".finlite-step"
    return marker.is_file() and marker.read_text() == stamp


def guest_packages() -> dict[str, str]:
    """numpy / onnxruntime / ai-edge-litert versions for the guest: the host's, else the pinned ones."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name, pinned in GUEST_PACKAGES.items():
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = pinned
    return out


def qemu_source_version() -> str:
    """Debian source version of the installed qemu-user (the plugin header must match it)."""
    try:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f", "${source:Version}", "qemu-user"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        raise ArmSetupError("qemu-user is not installed as a Debian package (dpkg-query -W qemu-user failed)") from None
    return out


def setup_key() -> dict:
    """What a complete set-up was built from; a change rebuilds the affected steps."""
    return {
        "setup_version": SETUP_VERSION,
        "suite": SUITE,
        "mirror": MIRROR,
        "python": GUEST_PYTHON,
        "packages": guest_packages(),
        "qemu": qemu_source_version(),
        "plugin_sha256": hashlib.sha256(PLUGIN_SOURCE.read_bytes() + FAKECLOCK_SOURCE.read_bytes()).hexdigest(),
        "harness_sha256": hashlib.sha256(HARNESS_SOURCE.read_bytes()).hexdigest(),
        "cpus": {k: vars(v) for k, v in CPUS.items()},
    }


def ensure_host_tools(root: Path) -> None:
    """Install missing host tools with apt-get (root only); otherwise name the command to run."""
    missing = sorted({pkg for exe, pkg in HOST_TOOLS.items() if shutil.which(exe) is None})
    if not missing:
        return
    command = ["apt-get", "install", "-y", "--no-install-recommends", *missing, "libc6-dev", "libc6-dev-arm64-cross"]
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise ArmSetupError(f"missing host packages {', '.join(missing)}: run `sudo {' '.join(command)}`")

    def install(log: Path) -> None:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        try:
            _run(command, log, env=env)
        except subprocess.CalledProcessError:
            _run(["apt-get", "update"], log, env=env)
            _run(command, log, env=env)

    _step("host-packages", root, install)


def build_rootfs(root: Path, log: Path) -> None:
    """arm64 bookworm with python3, unpacked on the host (debootstrap first stage + dpkg-deb -x)."""
    target = root / "rootfs"
    tmp = _fresh(target)
    _run(
        ["debootstrap", "--foreign", "--arch=arm64", "--variant=minbase", "--include=python3", SUITE, str(tmp), MIRROR],
        log,
    )
    archives = tmp / "var" / "cache" / "apt" / "archives"
    debs = sorted(archives.glob("*.deb"))
    if not debs:
        raise OSError(f"debootstrap fetched no packages into {archives}")
    for deb in debs:
        _run(["dpkg-deb", "-x", str(deb), str(tmp)], log)
        deb.unlink()
    python = tmp / "usr" / "bin" / f"python{GUEST_PYTHON}"
    if not python.is_file():
        raise OSError(f"{python} missing after unpacking")
    _commit(tmp, target, SUITE)


def install_site(root: Path, log: Path, packages: dict[str, str]) -> None:
    """aarch64 wheels for the guest, by the host pip (manylinux_2_27 listed: else an old ai-edge-litert)."""
    target = root / "site"
    tmp = _fresh(target)
    platforms = ["manylinux_2_28_aarch64", "manylinux_2_27_aarch64", "manylinux2014_aarch64", "manylinux_2_17_aarch64"]
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile", "--target", str(tmp)]
    for p in platforms:
        cmd += ["--platform", p]
    cmd += ["--only-binary=:all:", "--implementation", "cp", "--python-version", GUEST_PYTHON]
    cmd += [f"{name}=={ver}" for name, ver in packages.items()]
    _run(cmd, log)
    _commit(tmp, target, json.dumps(packages, sort_keys=True))


def fetch_plugin_header(root: Path, log: Path, qemu_version: str) -> None:
    """qemu-plugin.h of the installed qemu from Debian's source package (private deb-src list)."""
    target = root / "qemu"
    tmp = _fresh(target)
    apt = tmp / "apt"
    (apt / "lists" / "partial").mkdir(parents=True)
    (apt / "sources.list").write_text(
        f"deb-src {MIRROR} {SUITE} main\n"
        f"deb-src {MIRROR} {SUITE}-updates main\n"
        f"deb-src {SECURITY_MIRROR} {SUITE}-security main\n"
    )
    opts = [
        "-o", f"Dir::Etc::SourceList={apt / 'sources.list'}",
        "-o", "Dir::Etc::SourceParts=/nonexistent",
        "-o", f"Dir::State::Lists={apt / 'lists'}",
        "-o", "APT::Sandbox::User=root",
    ]  # fmt: skip
    _run(["apt-get", "-q", *opts, "update"], log)
    src = tmp / "src"
    src.mkdir()
    _run(["apt-get", "-q", *opts, "source", "--download-only", f"qemu={qemu_version}"], log, cwd=src)
    orig = sorted(src.glob("qemu_*.orig.tar.*"))
    if not orig:
        raise OSError(f"no qemu orig tarball in {src}")
    _run(["tar", "-xf", str(orig[0]), "-C", str(src), "--wildcards", "*/include/qemu/qemu-plugin.h"], log)
    headers = sorted(src.glob("*/include/qemu/qemu-plugin.h"))
    if not headers:
        raise OSError("qemu-plugin.h not found in the qemu source")
    (tmp / "include").mkdir()
    shutil.copy2(headers[0], tmp / "include" / "qemu-plugin.h")
    shutil.rmtree(src)
    shutil.rmtree(apt)
    _commit(tmp, target, qemu_version)


def build_plugin(root: Path, log: Path, plugin_sha: str) -> None:
    """gcc -shared the instruction-count plugin (against the fetched header) and the host fake clock."""
    target = root / "plugin"
    tmp = _fresh(target)
    include = root / "qemu" / "include"
    flags = ["-shared", "-fPIC", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    _run(["gcc", *flags, "-I", str(include), "-o", str(tmp / "libinsn_count.so"), str(PLUGIN_SOURCE)], log)
    _run(["gcc", *flags, "-o", str(tmp / "libfakeclock.so"), str(FAKECLOCK_SOURCE)], log)
    _commit(tmp, target, plugin_sha)


def build_harness(root: Path, log: Path, stamp: str) -> None:
    """The C-API harness cross-compiled for aarch64 (it dlopens the guest's runtime libraries)."""
    from .capi import CROSS_COMPILER, compile_harness

    target = root / "capi"
    tmp = _fresh(target)
    compile_harness(tmp / "finlite_capi", CROSS_COMPILER, log)
    _commit(tmp, target, stamp)


def build_cpu_roots(root: Path, log: Path, stamp: str) -> None:
    """One ``-L`` root per CPU profile: rootfs entries linked, proc/ and sys/ of that CPU."""
    target = root / "cpus"
    tmp = _fresh(target)
    rootfs = root / "rootfs"
    for cpu in CPUS.values():
        croot = tmp / cpu.key
        croot.mkdir()
        for entry in rootfs.iterdir():
            if entry.name not in {"proc", "sys", ".finlite-step"}:
                (croot / entry.name).symlink_to(Path("..") / ".." / "rootfs" / entry.name)  # relative: the cache may move
        (croot / "proc").mkdir()
        (croot / "proc" / "cpuinfo").write_text(cpuinfo_text(cpu))
        sysdir = croot / "sys" / "devices" / "system" / "cpu"
        for name in ("possible", "present", "online", "kernel_max"):
            (sysdir).mkdir(parents=True, exist_ok=True)
            (sysdir / name).write_text("0\n")
        (sysdir / "cpu0" / "cpufreq").mkdir(parents=True)
        (sysdir / "cpu0" / "cpufreq" / "cpuinfo_max_freq").write_text(f"{cpu.max_khz}\n")
        topo = sysdir / "cpu0" / "topology"
        topo.mkdir()
        for name in ("core_siblings_list", "thread_siblings_list", "package_cpus_list", "core_cpus_list"):
            (topo / name).write_text("0\n")
        for name in ("physical_package_id", "core_id", "cluster_id"):
            (topo / name).write_text("0\n")
        regs = sysdir / "cpu0" / "regs" / "identification"
        regs.mkdir(parents=True)
        midr = (int(cpu.implementer, 16) << 24) | (int(cpu.variant, 16) << 20) | (0xF << 16) | (int(cpu.part, 16) << 4) | cpu.revision
        (regs / "midr_el1").write_text(f"0x{midr:016x}\n")
        with log.open("a") as fh:
            fh.write(f"{croot}: {cpu.qemu_cpu} MIDR 0x{midr:08x}\n")
    _commit(tmp, target, stamp)


def ensure_env(force: bool = False) -> ArmEnv:
    """The complete aarch64 environment, building whatever is missing or out of date (one process at a
    time: concurrent runs wait on ``arm64/.lock``)."""
    import fcntl

    root = cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _ensure_env_locked(root, force)


def _ensure_env_locked(root: Path, force: bool) -> ArmEnv:
    ensure_host_tools(root)
    key = setup_key()
    ready = root / "ready.json"
    env = ArmEnv(root=root, python=f"/usr/bin/python{GUEST_PYTHON}", site=root / "site", plugin=root / "plugin" / "libinsn_count.so", fakeclock=root / "plugin" / "libfakeclock.so", qemu=shutil.which("qemu-aarch64") or "qemu-aarch64", capi=root / "capi" / "finlite_capi")
    if not force and ready.is_file():
        try:
            if json.loads(ready.read_text()) == key:
                return env
        except json.JSONDecodeError:
            pass
    if ready.exists():
        ready.unlink()
    started = time.monotonic()
    _say(f"building the aarch64 environment in {root}")
    packages = key["packages"]
    if force or not _done(root / "rootfs", SUITE):
        _step("rootfs", root, lambda log: build_rootfs(root, log))
    if force or not _done(root / "site", json.dumps(packages, sort_keys=True)):
        _step("wheels", root, lambda log: install_site(root, log, packages))
    if force or not _done(root / "qemu", key["qemu"]):
        _step("qemu-plugin-header", root, lambda log: fetch_plugin_header(root, log, key["qemu"]))
    if force or not _done(root / "plugin", key["plugin_sha256"]):
        _step("plugin", root, lambda log: build_plugin(root, log, key["plugin_sha256"]))
    if force or not _done(root / "capi", key["harness_sha256"]):
        _step("capi-harness", root, lambda log: build_harness(root, log, key["harness_sha256"]))
    cpu_stamp = json.dumps({"cpus": key["cpus"], "links": "relative"}, sort_keys=True)
    if force or not _done(root / "cpus", cpu_stamp):
        _step("cpu-roots", root, lambda log: build_cpu_roots(root, log, cpu_stamp))
    ready.write_text(json.dumps(key, indent=1, sort_keys=True))
    _say(f"environment ready in {time.monotonic() - started:.0f} s")
    return env
