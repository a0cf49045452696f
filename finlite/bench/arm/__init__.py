"""``finlite bench --arm``: emulated aarch64 (qemu-user) parity and deterministic instruction counts.

Modules: :mod:`.setup` (builds the cached aarch64 environment), :mod:`.runner` (runs the guest
script under qemu with the instruction-count plugin), :mod:`.report` (JSON + Markdown),
:mod:`.compare` (regression gate), :mod:`.cli` (arguments and entry point), ``guest.py`` (the script
that runs inside emulation: numpy + one runtime only) and ``plugin/insn_count.c`` (the QEMU plugin).
Counts are emulated guest instructions, not latency.
"""
