/*
 * finlite_capi: one artifact run through a runtime's C API, as the apps' runners do (finlite-jvm's
 * LiteRtCModelRunner / OrtModelRunner, FinliteKit's LiteRtCModelRunner.swift / OrtModelRunner.swift),
 * without Python.  `finlite bench --arm --arm-binding c` cross-compiles it for aarch64 and runs it under
 * qemu-aarch64 with the instruction-count plugin (docs/arm.md).
 *
 *   finlite_capi litert|onnxruntime LIBRARY MODEL INPUTS OUTPUTS PASSES WARMUP
 *
 * INPUTS (written by finlite/bench/arm/capi.py, little-endian):
 *   "FLCI" u32 version=1, u32 examples, u32 inputs, u32 output_count, u32 output_name_len, output name,
 *   per input: u32 name_len, name, u32 dtype (ONNX element type: 1 float32, 6 int32), u32 rank, i64 dims[rank];
 *   then per example, per input: the tensor's bytes (batch 1).
 * OUTPUTS: "FLCO" u32 examples, u32 output_count, then float32 outputs per example (parity is checked on the host).
 *
 * Steps: load (1 thread: LiteRT CompiledModel with the CPU accelerator = XNNPACK; ONNX Runtime CPU provider,
 * 1 intra-op thread), every example once (the outputs), WARMUP untimed passes, three empty sections (the markers'
 * own cost), PASSES counted passes, each between markers: syscall(0xF1A7, "FINLIT", op, section), op 1 begin,
 * 2 end; Linux/aarch64 has no such syscall (qemu answers -ENOSYS), the plugin records its counter.
 * One inference = copy the inputs in, run, read the output, as an app does.  Errors: one line on stderr, exit 1.
 *
 * The C functions are declared here from the runtimes' public headers (LiteRT litert/c/litert_*.h, checked with
 * ai-edge-litert 2.3.0; ONNX Runtime onnxruntime_c_api.h, OrtApi slots fixed since API version 1, checked with
 * 1.32.0), as the Kotlin and Swift runners declare them.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MARKER_NR 0xF1A7
#define MAGIC 0x46494E4C4954UL
#define OVERHEAD_SECTIONS 3
#define FIRST_PASS_SECTION 100
#define MAX_INPUTS 8

static void marker(long op, long section) { syscall(MARKER_NR, MAGIC, op, section); }

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("finlite_capi: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

/* ---- the inputs file ---- */

typedef struct {
    char name[256];
    uint32_t dtype, rank;
    int64_t dims[8];
    size_t bytes;
} Spec;

typedef struct {
    uint32_t examples, ninputs, out_count;
    char out_name[256];
    Spec in[MAX_INPUTS];
    unsigned char *data; /* examples * sum(in[i].bytes) */
    size_t example_bytes;
} Inputs;

static void read_exact(FILE *f, void *dst, size_t n, const char *path, const char *what) {
    if (fread(dst, 1, n, f) != n) die("%s: truncated (%s)", path, what);
}

static uint32_t read_u32(FILE *f, const char *path, const char *what) {
    uint32_t v;
    read_exact(f, &v, 4, path, what);
    return v;
}

static void read_name(FILE *f, char *dst, const char *path) {
    uint32_t n = read_u32(f, path, "name length");
    if (n >= 256) die("%s: a name of %u bytes (at most 255)", path, n);
    read_exact(f, dst, n, path, "name");
    dst[n] = 0;
}

static void read_inputs(const char *path, Inputs *in) {
    FILE *f = fopen(path, "rb");
    if (!f) die("%s: cannot open", path);
    char magic[4];
    read_exact(f, magic, 4, path, "magic");
    if (memcmp(magic, "FLCI", 4) != 0 || read_u32(f, path, "version") != 1) die("%s: not a finlite_capi inputs file (version 1)", path);
    in->examples = read_u32(f, path, "examples");
    in->ninputs = read_u32(f, path, "inputs");
    in->out_count = read_u32(f, path, "output count");
    if (in->ninputs == 0 || in->ninputs > MAX_INPUTS) die("%s: %u inputs (1 to %d)", path, in->ninputs, MAX_INPUTS);
    read_name(f, in->out_name, path);
    in->example_bytes = 0;
    for (uint32_t i = 0; i < in->ninputs; i++) {
        Spec *s = &in->in[i];
        read_name(f, s->name, path);
        s->dtype = read_u32(f, path, "dtype");
        s->rank = read_u32(f, path, "rank");
        if ((s->dtype != 1 && s->dtype != 6) || s->rank == 0 || s->rank > 8) die("%s: input %s: dtype %u rank %u", path, s->name, s->dtype, s->rank);
        read_exact(f, s->dims, 8 * s->rank, path, "dims");
        size_t n = 1;
        for (uint32_t d = 0; d < s->rank; d++) n *= (size_t)s->dims[d];
        s->bytes = 4 * n;
        in->example_bytes += s->bytes;
    }
    in->data = malloc(in->examples * in->example_bytes + 1);
    if (!in->data) die("out of memory");
    read_exact(f, in->data, in->examples * in->example_bytes, path, "tensors");
    fclose(f);
}

static const unsigned char *example_input(const Inputs *in, uint32_t e, uint32_t i) {
    const unsigned char *p = in->data + (size_t)e * in->example_bytes;
    for (uint32_t k = 0; k < i; k++) p += in->in[k].bytes;
    return p;
}

static void *load_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) die("%s: cannot open", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *buf = aligned_alloc(64, ((size_t)n + 63) / 64 * 64);
    if (!buf) die("out of memory");
    read_exact(f, buf, (size_t)n, path, "model");
    fclose(f);
    *size = (size_t)n;
    return buf;
}

static void *symbol(void *lib, const char *name) {
    void *p = dlsym(lib, name);
    if (!p) die("the library has no %s", name);
    return p;
}

/* ---- a runner: prepare once, then infer(example, out) ---- */

typedef struct Runner {
    void (*infer)(struct Runner *, const Inputs *, uint32_t example, float *out);
    void *state;
} Runner;

/* ---- LiteRT (CompiledModel, CPU accelerator) ---- */

typedef void *H;
typedef struct {
    int (*run)(H, size_t, size_t, H *, size_t, H *);
    int (*lock)(H, void **, int);
    int (*unlock)(H);
    H compiled;
    H in[MAX_INPUTS]; /* by signature index */
    size_t in_bytes[MAX_INPUTS];
    uint32_t to_model[MAX_INPUTS];
    H out;
    size_t out_bytes;
} LiteRt;

#define LRT(call, what)                                                \
    do {                                                               \
        int status_ = (call);                                          \
        if (status_ != 0) die("%s: LiteRT: %s (status %d)", model_path, what, status_); \
    } while (0)

static void litert_infer(Runner *r, const Inputs *in, uint32_t e, float *out) {
    LiteRt *s = r->state;
    void *addr;
    for (uint32_t i = 0; i < in->ninputs; i++) {
        H buf = s->in[s->to_model[i]];
        if (s->lock(buf, &addr, 1) != 0) die("LiteRT: lock an input buffer");
        memcpy(addr, example_input(in, e, i), in->in[i].bytes);
        s->unlock(buf);
    }
    if (s->run(s->compiled, 0, in->ninputs, s->in, 1, &s->out) != 0) die("LiteRT: run failed");
    if (s->lock(s->out, &addr, 0) != 0) die("LiteRT: lock the output buffer");
    memcpy(out, addr, in->out_count * sizeof(float));
    s->unlock(s->out);
}

static void litert_open(Runner *r, const char *lib_path, const char *model_path, const Inputs *in) {
    void *lib = dlopen(lib_path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) die("%s: %s", lib_path, dlerror());
    int (*create_env)(int, const void *, H *) = symbol(lib, "LiteRtCreateEnvironment");
    int (*model_from_buffer)(H, const void *, size_t, H *) = symbol(lib, "LiteRtCreateModelFromBuffer");
    int (*get_signature)(H, size_t, H *) = symbol(lib, "LiteRtGetModelSignature");
    int (*num_inputs)(H, size_t *) = symbol(lib, "LiteRtGetNumSignatureInputs");
    int (*input_name)(H, size_t, const char **) = symbol(lib, "LiteRtGetSignatureInputName");
    int (*input_tensor)(H, size_t, H *) = symbol(lib, "LiteRtGetSignatureInputTensorByIndex");
    int (*output_tensor)(H, size_t, H *) = symbol(lib, "LiteRtGetSignatureOutputTensorByIndex");
    int (*ranked_type)(H, void *) = symbol(lib, "LiteRtGetRankedTensorType");
    int (*create_options)(H *) = symbol(lib, "LiteRtCreateOptions");
    int (*set_accelerators)(H, int) = symbol(lib, "LiteRtSetOptionsHardwareAccelerators");
    int (*create_compiled)(H, H, H, H *) = symbol(lib, "LiteRtCreateCompiledModel");
    int (*input_req)(H, size_t, size_t, H *) = symbol(lib, "LiteRtGetCompiledModelInputBufferRequirements");
    int (*output_req)(H, size_t, size_t, H *) = symbol(lib, "LiteRtGetCompiledModelOutputBufferRequirements");
    int (*req_size)(H, size_t *) = symbol(lib, "LiteRtGetTensorBufferRequirementsBufferSize");
    int (*managed_buffer)(H, const void *, H, H *) = symbol(lib, "LiteRtCreateManagedTensorBufferFromRequirements");
    LiteRt *s = calloc(1, sizeof *s);
    s->run = symbol(lib, "LiteRtRunCompiledModel");
    s->lock = symbol(lib, "LiteRtLockTensorBuffer");
    s->unlock = symbol(lib, "LiteRtUnlockTensorBuffer");

    size_t size;
    void *bytes = load_file(model_path, &size); /* kept for the model's lifetime (litert_model.h) */
    if (size < 8 || memcmp((char *)bytes + 4, "TFL3", 4) != 0) die("%s: not a TFLite flatbuffer (no TFL3 file identifier)", model_path);
    H env, model, options, signature;
    LRT(create_env(0, NULL, &env), "cannot create the environment");
    LRT(model_from_buffer(env, bytes, size, &model), "cannot load the model");
    LRT(create_options(&options), "LiteRtCreateOptions");
    LRT(set_accelerators(options, 1), "CPU accelerator");
    LRT(create_compiled(env, model, options, &s->compiled), "cannot compile the model");
    LRT(get_signature(model, 0, &signature), "no signature");
    size_t n;
    LRT(num_inputs(signature, &n), "signature inputs");
    if (n != in->ninputs) die("%s: the model has %zu inputs, the manifest lists %u", model_path, n, in->ninputs);
    for (uint32_t i = 0; i < in->ninputs; i++) { /* manifest `serving_default_<name>`, signature `<name>` */
        s->to_model[i] = UINT32_MAX;
        for (size_t m = 0; m < n; m++) {
            const char *name;
            LRT(input_name(signature, m, &name), "input name");
            const char *want = in->in[i].name;
            if (strcmp(want, name) == 0 || (strncmp(want, "serving_default_", 16) == 0 && strcmp(want + 16, name) == 0)) s->to_model[i] = (uint32_t)m;
        }
        if (s->to_model[i] == UINT32_MAX) die("%s: the model has no input %s", model_path, in->in[i].name);
    }
    static unsigned char type[1024]; /* LiteRtRankedTensorType: filled by LiteRT, only passed back */
    for (size_t m = 0; m <= n; m++) {
        int is_out = m == n;
        H tensor, req, buf;
        size_t bytes_needed;
        LRT(is_out ? output_tensor(signature, 0, &tensor) : input_tensor(signature, m, &tensor), "tensor");
        memset(type, 0, sizeof type);
        LRT(ranked_type(tensor, type), "tensor type");
        LRT(is_out ? output_req(s->compiled, 0, 0, &req) : input_req(s->compiled, 0, m, &req), "buffer requirements");
        LRT(req_size(req, &bytes_needed), "buffer size");
        LRT(managed_buffer(env, type, req, &buf), "tensor buffer");
        if (is_out) {
            s->out = buf;
            s->out_bytes = bytes_needed;
        } else {
            s->in[m] = buf;
            s->in_bytes[m] = bytes_needed;
        }
    }
    for (uint32_t i = 0; i < in->ninputs; i++)
        if (s->in_bytes[s->to_model[i]] != in->in[i].bytes)
            die("%s: input %s has %zu bytes, LiteRT expects %zu", model_path, in->in[i].name, in->in[i].bytes, s->in_bytes[s->to_model[i]]);
    if (s->out_bytes < in->out_count * sizeof(float)) die("%s: output has %zu bytes, expected %u floats", model_path, s->out_bytes, in->out_count);
    r->infer = litert_infer;
    r->state = s;
}

/* ---- ONNX Runtime (CPU provider, 1 intra-op thread) ---- */

typedef void *Status;
typedef struct {
    const char *(*error_message)(Status);
    Status (*run)(H, H, const char *const *, const H *, size_t, const char *const *, size_t, H *);
    Status (*mutable_data)(H, void **);
    void (*release_value)(H);
    H session;
    H values[MAX_INPUTS];
    void *data[MAX_INPUTS];
    const char *in_names[MAX_INPUTS];
    const char *out_name;
} Ort;

static void ort_check(Ort *s, Status st, const char *model_path, const char *what) {
    if (st) die("%s: ONNX Runtime: %s (%s)", model_path, what, s->error_message(st));
}

static void ort_infer(Runner *r, const Inputs *in, uint32_t e, float *out) {
    Ort *s = r->state;
    for (uint32_t i = 0; i < in->ninputs; i++) memcpy(s->data[i], example_input(in, e, i), in->in[i].bytes);
    H value = NULL;
    void *addr;
    ort_check(s, s->run(s->session, NULL, s->in_names, s->values, in->ninputs, &s->out_name, 1, &value), "model", "run failed");
    ort_check(s, s->mutable_data(value, &addr), "model", "output data");
    memcpy(out, addr, in->out_count * sizeof(float));
    s->release_value(value);
}

static void ort_open(Runner *r, const char *lib_path, const char *model_path, Inputs *in) {
    void *lib = dlopen(lib_path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) die("%s: %s", lib_path, dlerror());
    const void *const *(*get_api_base)(void) = symbol(lib, "OrtGetApiBase");
    const void *const *base = get_api_base();
    const void *const *(*get_api)(uint32_t) = (const void *const *(*)(uint32_t))base[0];
    const void *const *api = get_api(22);
    if (!api) die("%s: ONNX Runtime does not offer C API version 22", lib_path);
    Ort *s = calloc(1, sizeof *s);
    s->error_message = (const char *(*)(Status))api[2];
    Status (*create_env)(int, const char *, H *) = (Status (*)(int, const char *, H *))api[3];
    Status (*session_from_array)(H, const void *, size_t, H, H *) = (Status (*)(H, const void *, size_t, H, H *))api[8];
    s->run = (Status (*)(H, H, const char *const *, const H *, size_t, const char *const *, size_t, H *))api[9];
    Status (*create_options)(H *) = (Status (*)(H *))api[10];
    Status (*intra_threads)(H, int) = (Status (*)(H, int))api[24];
    Status (*input_count)(H, size_t *) = (Status (*)(H, size_t *))api[30];
    Status (*tensor_with_data)(H, void *, size_t, const int64_t *, size_t, int, H *) =
        (Status (*)(H, void *, size_t, const int64_t *, size_t, int, H *))api[49];
    s->mutable_data = (Status (*)(H, void **))api[51];
    Status (*cpu_memory)(int, int, H *) = (Status (*)(int, int, H *))api[69];
    s->release_value = (void (*)(H))api[96];

    H env, options, memory;
    size_t size, n;
    void *bytes = load_file(model_path, &size);
    ort_check(s, create_env(3, "finlite", &env), model_path, "cannot create the environment");
    ort_check(s, create_options(&options), model_path, "session options");
    ort_check(s, intra_threads(options, 1), model_path, "threads");
    ort_check(s, session_from_array(env, bytes, size, options, &s->session), model_path, "cannot load the model");
    ort_check(s, input_count(s->session, &n), model_path, "input count");
    if (n != in->ninputs) die("%s: the model has %zu inputs, the manifest lists %u", model_path, n, in->ninputs);
    ort_check(s, cpu_memory(1, 0, &memory), model_path, "CPU memory info");
    for (uint32_t i = 0; i < in->ninputs; i++) {
        Spec *sp = &in->in[i];
        s->data[i] = aligned_alloc(64, (sp->bytes + 63) / 64 * 64);
        s->in_names[i] = sp->name;
        ort_check(s, tensor_with_data(memory, s->data[i], sp->bytes, sp->dims, sp->rank, (int)sp->dtype, &s->values[i]), model_path, "input tensor");
    }
    s->out_name = in->out_name;
    r->infer = ort_infer;
    r->state = s;
}

int main(int argc, char **argv) {
    if (argc != 8) die("usage: finlite_capi litert|onnxruntime LIBRARY MODEL INPUTS OUTPUTS PASSES WARMUP");
    const char *runtime = argv[1], *lib = argv[2], *model = argv[3];
    int passes = atoi(argv[6]), warmup = atoi(argv[7]);
    Inputs in;
    read_inputs(argv[4], &in);
    Runner r;
    if (strcmp(runtime, "litert") == 0) litert_open(&r, lib, model, &in);
    else if (strcmp(runtime, "onnxruntime") == 0) ort_open(&r, lib, model, &in);
    else die("unknown runtime %s (litert or onnxruntime)", runtime);

    float *outputs = malloc((size_t)in.examples * in.out_count * sizeof(float) + 1);
    for (uint32_t e = 0; e < in.examples; e++) r.infer(&r, &in, e, outputs + (size_t)e * in.out_count);
    FILE *f = fopen(argv[5], "wb");
    if (!f) die("%s: cannot write", argv[5]);
    uint32_t header[2] = {in.examples, in.out_count};
    if (fwrite("FLCO", 1, 4, f) != 4 || fwrite(header, 4, 2, f) != 2 ||
        fwrite(outputs, sizeof(float), (size_t)in.examples * in.out_count, f) != (size_t)in.examples * in.out_count)
        die("%s: write failed", argv[5]);
    fclose(f);

    float *scratch = malloc(in.out_count * sizeof(float) + 1);
    for (int w = 0; w < warmup; w++)
        for (uint32_t e = 0; e < in.examples; e++) r.infer(&r, &in, e, scratch);
    for (long s = 0; s < OVERHEAD_SECTIONS; s++) {
        marker(1, s);
        marker(2, s);
    }
    for (int p = 0; p < passes; p++) {
        marker(1, FIRST_PASS_SECTION + p);
        for (uint32_t e = 0; e < in.examples; e++) r.infer(&r, &in, e, scratch);
        marker(2, FIRST_PASS_SECTION + p);
    }
    return 0;
}
