/*
 * insn_count: a QEMU TCG plugin (qemu-user, API version 1 as shipped with Debian bookworm's
 * QEMU 7.2) counting guest instructions between markers the guest emits.
 *
 * Marker: the guest calls syscall(FINLITE_MARKER_NR, FINLITE_MAGIC, op, section) — a syscall
 * number Linux/aarch64 does not have, so the kernel side (qemu-user) just returns -ENOSYS and the
 * call has no effect outside this plugin.  op 1 = begin section, op 2 = end section.  Sections do
 * not nest.  At each end marker the plugin appends "section <id> <instructions> <other>" to the
 * output file, where <other> counts syscalls made by other guest threads while the section was
 * open (non-zero means another thread was active and the count may include its work).
 *
 * Counting: every translated block adds its instruction count to one counter when it executes
 * (an inline add, no helper call); a section's count is the counter's difference between its two
 * markers.  Instructions of blocks left early by an exception would be over-counted; in user mode
 * that only happens on a fault, which ends the run anyway.
 *
 * Arguments: out=<path> (required).  Build: gcc -shared -fPIC -O2 -I<dir of qemu-plugin.h>.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qemu-plugin.h>

#define FINLITE_MARKER_NR 0xF1A7
#define FINLITE_MAGIC 0x46494E4C4954ULL /* "FINLIT" */
#define OP_BEGIN 1
#define OP_END 2

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

static uint64_t insn_counter;      /* all executed guest instructions */
static uint64_t section_start;     /* insn_counter at the begin marker */
static int64_t open_section = -1;  /* id of the open section, -1 when none */
static unsigned int open_vcpu;     /* vcpu that opened it */
static uint64_t other_syscalls;    /* syscalls of other vcpus while it is open */
static unsigned int vcpus;         /* guest threads seen */
static FILE *out;

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &insn_counter,
                                             qemu_plugin_tb_n_insns(tb));
}

static void on_syscall(qemu_plugin_id_t id, unsigned int vcpu, int64_t num, uint64_t a1,
                       uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6,
                       uint64_t a7, uint64_t a8)
{
    if (num != FINLITE_MARKER_NR || a1 != FINLITE_MAGIC) {
        if (open_section >= 0 && vcpu != open_vcpu) {
            other_syscalls++;
        }
        return;
    }
    if (a2 == OP_BEGIN) {
        if (open_section >= 0) {
            fprintf(out, "error nested-begin %" PRId64 " inside %" PRId64 "\n", (int64_t)a3, open_section);
        }
        open_section = (int64_t)a3;
        open_vcpu = vcpu;
        other_syscalls = 0;
        section_start = insn_counter;
    } else if (a2 == OP_END) {
        uint64_t n = insn_counter - section_start;
        if (open_section != (int64_t)a3) {
            fprintf(out, "error end-without-begin %" PRId64 "\n", (int64_t)a3);
        } else {
            fprintf(out, "section %" PRId64 " %" PRIu64 " %" PRIu64 "\n", open_section, n, other_syscalls);
        }
        fflush(out);
        open_section = -1;
    } else {
        fprintf(out, "error unknown-op %" PRIu64 "\n", a2);
        fflush(out);
    }
}

static void on_vcpu_init(qemu_plugin_id_t id, unsigned int vcpu)
{
    vcpus++;
}

static void on_plugin_exit(qemu_plugin_id_t id, void *p)
{
    fprintf(out, "total %" PRIu64 " vcpus %u\n", insn_counter, vcpus);
    fclose(out);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                           int argc, char **argv)
{
    const char *path = NULL;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "out=", 4) == 0) {
            path = argv[i] + 4;
        }
    }
    if (path == NULL) {
        fprintf(stderr, "insn_count: missing out=<path> argument\n");
        return -1;
    }
    if (info->system_emulation) {
        fprintf(stderr, "insn_count: user-mode emulation only\n");
        return -1;
    }
    out = fopen(path, "w");
    if (out == NULL) {
        fprintf(stderr, "insn_count: cannot open %s\n", path);
        return -1;
    }
    fprintf(out, "plugin insn_count target %s\n", info->target_name);
    fflush(out);
    qemu_plugin_register_vcpu_init_cb(id, on_vcpu_init);
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
    qemu_plugin_register_vcpu_syscall_cb(id, on_syscall);
    qemu_plugin_register_atexit_cb(id, on_plugin_exit, NULL);
    return 0;
}
