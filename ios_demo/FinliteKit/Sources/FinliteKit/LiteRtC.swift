// LiteRT's flat C API (libLiteRt.so of the ai-edge-litert wheel; checked with 2.3.0) on Linux: the functions the
// runner needs, declared by hand from the public headers litert/c/litert_{environment,model,options,compiled_model,
// tensor_buffer,tensor_buffer_requirements,common}.h, as finlite-jvm's LiteRtC interface. Handles are opaque
// pointers; `size_t` and LiteRtParamIndex are `Int` (LP64); LiteRtStatus is an int32, 0 = ok.
#if os(Linux)
import Foundation

/// The LiteRT C functions, looked up once per library.
struct LiteRtC {
    let createEnvironment: @convention(c) (Int32, UnsafeRawPointer?, HandleOut) -> Int32
    let destroyEnvironment: @convention(c) (Handle) -> Void
    let createModelFromBuffer: @convention(c) (Handle, UnsafeRawPointer?, Int, HandleOut) -> Int32
    let destroyModel: @convention(c) (Handle) -> Void
    let getModelSignature: @convention(c) (Handle, Int, HandleOut) -> Int32
    let getNumSignatureInputs: @convention(c) (Handle, UnsafeMutablePointer<Int>) -> Int32
    let getSignatureInputName: @convention(c) (Handle, Int, UnsafeMutablePointer<UnsafePointer<CChar>?>) -> Int32
    let getSignatureInputTensorByIndex: @convention(c) (Handle, Int, HandleOut) -> Int32
    let getSignatureOutputTensorByIndex: @convention(c) (Handle, Int, HandleOut) -> Int32
    let getRankedTensorType: @convention(c) (Handle, UnsafeMutableRawPointer) -> Int32
    let createOptions: @convention(c) (HandleOut) -> Int32
    let destroyOptions: @convention(c) (Handle) -> Void
    let setOptionsHardwareAccelerators: @convention(c) (Handle, Int32) -> Int32
    let createCompiledModel: @convention(c) (Handle, Handle, Handle, HandleOut) -> Int32
    let destroyCompiledModel: @convention(c) (Handle) -> Void
    let getCompiledModelInputBufferRequirements: @convention(c) (Handle, Int, Int, HandleOut) -> Int32
    let getCompiledModelOutputBufferRequirements: @convention(c) (Handle, Int, Int, HandleOut) -> Int32
    let getTensorBufferRequirementsBufferSize: @convention(c) (Handle, UnsafeMutablePointer<Int>) -> Int32
    let createManagedTensorBufferFromRequirements: @convention(c) (Handle, UnsafeRawPointer, Handle, HandleOut) -> Int32
    let lockTensorBuffer: @convention(c) (Handle, UnsafeMutablePointer<UnsafeMutableRawPointer?>, Int32) -> Int32
    let unlockTensorBuffer: @convention(c) (Handle) -> Int32
    let destroyTensorBuffer: @convention(c) (Handle) -> Void
    let runCompiledModel: @convention(c) (Handle, Int, Int, HandleOut, Int, HandleOut) -> Int32

    static let hwAcceleratorCpu: Int32 = 1
    static let lockRead: Int32 = 0
    static let lockWrite: Int32 = 1
    /// Bytes reserved for a LiteRtRankedTensorType: LiteRT fills it and we only pass it back (the struct is ~100 bytes).
    static let rankedTypeBytes = 1024

    init(_ lib: NativeLibrary) throws {
        createEnvironment = try lib.symbol("LiteRtCreateEnvironment")
        destroyEnvironment = try lib.symbol("LiteRtDestroyEnvironment")
        createModelFromBuffer = try lib.symbol("LiteRtCreateModelFromBuffer")
        destroyModel = try lib.symbol("LiteRtDestroyModel")
        getModelSignature = try lib.symbol("LiteRtGetModelSignature")
        getNumSignatureInputs = try lib.symbol("LiteRtGetNumSignatureInputs")
        getSignatureInputName = try lib.symbol("LiteRtGetSignatureInputName")
        getSignatureInputTensorByIndex = try lib.symbol("LiteRtGetSignatureInputTensorByIndex")
        getSignatureOutputTensorByIndex = try lib.symbol("LiteRtGetSignatureOutputTensorByIndex")
        getRankedTensorType = try lib.symbol("LiteRtGetRankedTensorType")
        createOptions = try lib.symbol("LiteRtCreateOptions")
        destroyOptions = try lib.symbol("LiteRtDestroyOptions")
        setOptionsHardwareAccelerators = try lib.symbol("LiteRtSetOptionsHardwareAccelerators")
        createCompiledModel = try lib.symbol("LiteRtCreateCompiledModel")
        destroyCompiledModel = try lib.symbol("LiteRtDestroyCompiledModel")
        getCompiledModelInputBufferRequirements = try lib.symbol("LiteRtGetCompiledModelInputBufferRequirements")
        getCompiledModelOutputBufferRequirements = try lib.symbol("LiteRtGetCompiledModelOutputBufferRequirements")
        getTensorBufferRequirementsBufferSize = try lib.symbol("LiteRtGetTensorBufferRequirementsBufferSize")
        createManagedTensorBufferFromRequirements = try lib.symbol("LiteRtCreateManagedTensorBufferFromRequirements")
        lockTensorBuffer = try lib.symbol("LiteRtLockTensorBuffer")
        unlockTensorBuffer = try lib.symbol("LiteRtUnlockTensorBuffer")
        destroyTensorBuffer = try lib.symbol("LiteRtDestroyTensorBuffer")
        runCompiledModel = try lib.symbol("LiteRtRunCompiledModel")
    }
}

extension LiteRtC {
    /// Throws `file: LiteRT: what (status name)` when `status` is not ok.
    static func check(_ status: Int32, _ file: String, _ what: String) throws {
        guard status != 0 else { return }
        throw FinliteError.runtime("\(file): LiteRT: \(what) (\(statusNames[status] ?? "status \(status)"))")
    }

    /// The handle a LiteRT call writes to its out-parameter, after checking the call's status.
    static func handle(_ file: String, _ what: String, _ call: (HandleOut) -> Int32) throws -> OpaquePointer {
        var handle: OpaquePointer?
        try check(call(&handle), file, what)
        guard let h = handle else { throw FinliteError.runtime("\(file): LiteRT: \(what) (null handle)") }
        return h
    }

    /// LiteRtStatus names from litert_common.h.
    private static let statusNames: [Int32: String] = [
        1: "invalid argument", 2: "memory allocation failure", 3: "runtime failure", 4: "missing input tensor",
        5: "unsupported", 6: "not found", 7: "timeout", 8: "wrong version", 9: "unknown error",
    ]
}

/// libLiteRt.so loaded from a path, with one LiteRT environment (XNNPACK CPU accelerator) shared by its runners,
/// which keep it alive.
public final class LiteRtNative {
    let c: LiteRtC
    let env: OpaquePointer

    public init(library: URL) throws {
        let c = try LiteRtC(NativeLibrary(library, what: "LiteRT"))
        env = try LiteRtC.handle(library.lastPathComponent, "cannot create the LiteRT environment") { c.createEnvironment(0, nil, $0) }
        self.c = c
    }

    deinit { c.destroyEnvironment(env) }
}
#endif
