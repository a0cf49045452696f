"""The emulated CPUs of ``finlite bench --arm``: qemu's ``-cpu`` model and the /proc/cpuinfo a phone with it
shows (the runtimes' CPU detection reads it; docs/arm.md, "CPU detection")."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CpuProfile:
    """An emulated CPU: qemu's ``-cpu`` model and the /proc/cpuinfo + sysfs a phone with it shows."""

    key: str
    qemu_cpu: str
    implementer: str
    variant: str
    part: str
    revision: int
    features: str
    max_khz: int


CPUS: dict[str, CpuProfile] = {
    # MIDR of qemu 7.2's models: cortex-a53 0x410fd034, cortex-a76 0x414fd0b1; features as the Linux
    # kernel lists them for these cores (the a76 has dot product, fp16 and LSE atomics, the a53 not).
    "a53": CpuProfile("a53", "cortex-a53", "0x41", "0x0", "0xd03", 4, "fp asimd evtstrm aes pmull sha1 sha2 crc32 cpuid", 1800000),
    "a76": CpuProfile(
        "a76",
        "cortex-a76",
        "0x41",
        "0x4",
        "0xd0b",
        1,
        "fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp",
        2600000,
    ),
}


def cpuinfo_text(cpu: CpuProfile) -> str:
    """/proc/cpuinfo of a one-core aarch64 Linux machine with this CPU."""
    return (
        "processor\t: 0\n"
        "BogoMIPS\t: 50.00\n"
        f"Features\t: {cpu.features}\n"
        f"CPU implementer\t: {cpu.implementer}\n"
        "CPU architecture: 8\n"
        f"CPU variant\t: {cpu.variant}\n"
        f"CPU part\t: {cpu.part}\n"
        f"CPU revision\t: {cpu.revision}\n\n"
    )
