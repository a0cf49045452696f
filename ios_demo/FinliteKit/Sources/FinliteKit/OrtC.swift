// ONNX Runtime's C API (libonnxruntime.so of the onnxruntime wheel; checked with 1.32.0) on Linux, as finlite-jvm's
// OrtNative: `OrtGetApiBase()` gives `{GetApi, GetVersionString}`, `GetApi(ORT_API_VERSION)` the `OrtApi` table of
// function pointers. The slots used are fixed since API version 1 (the table only grows), counted from the public
// header onnxruntime_c_api.h; each is declared here with its C signature. An OrtStatus* of nil is ok.
#if os(Linux)
import Foundation

typealias OrtStatus = OpaquePointer?
typealias CStrings = UnsafePointer<UnsafePointer<CChar>?>

/// The OrtApi functions the runner needs, read once from the table.
struct OrtApi {
    let getErrorMessage: @convention(c) (Handle) -> UnsafePointer<CChar>?  // slot 2
    let createEnv: @convention(c) (Int32, UnsafePointer<CChar>, HandleOut) -> OrtStatus  // 3
    let createSessionFromArray: @convention(c) (Handle, UnsafeRawPointer?, Int, Handle, HandleOut) -> OrtStatus  // 8
    let run: @convention(c) (Handle, Handle, CStrings, UnsafePointer<OpaquePointer?>, Int, CStrings, Int, HandleOut) -> OrtStatus  // 9
    let createSessionOptions: @convention(c) (HandleOut) -> OrtStatus  // 10
    let setIntraOpNumThreads: @convention(c) (Handle, Int32) -> OrtStatus  // 24
    let sessionGetInputCount: @convention(c) (Handle, UnsafeMutablePointer<Int>) -> OrtStatus  // 30
    let createTensorWithDataAsOrtValue: @convention(c) (Handle, UnsafeMutableRawPointer, Int, UnsafePointer<Int64>, Int, Int32, HandleOut) -> OrtStatus  // 49
    let getTensorMutableData: @convention(c) (Handle, UnsafeMutablePointer<UnsafeMutableRawPointer?>) -> OrtStatus  // 51
    let createCpuMemoryInfo: @convention(c) (Int32, Int32, HandleOut) -> OrtStatus  // 69
    let releaseEnv: @convention(c) (Handle) -> Void  // 92
    let releaseStatus: @convention(c) (Handle) -> Void  // 93
    let releaseMemoryInfo: @convention(c) (Handle) -> Void  // 94
    let releaseSession: @convention(c) (Handle) -> Void  // 95
    let releaseValue: @convention(c) (Handle) -> Void  // 96
    let releaseSessionOptions: @convention(c) (Handle) -> Void  // 100

    static let version: UInt32 = 22  // ORT 1.22+; the slots above exist since version 1
    static let logError: Int32 = 3
    static let arenaAllocator: Int32 = 1
    static let memTypeDefault: Int32 = 0
    /// ONNXTensorElementDataType of the manifest's dtypes.
    static let elementTypes: [String: Int32] = ["float32": 1, "int32": 6]

    init(_ table: UnsafePointer<UnsafeRawPointer?>) {
        func slot<T>(_ i: Int) -> T { unsafeBitCast(table[i]!, to: T.self) }
        (getErrorMessage, createEnv, createSessionFromArray, run) = (slot(2), slot(3), slot(8), slot(9))
        (createSessionOptions, setIntraOpNumThreads, sessionGetInputCount) = (slot(10), slot(24), slot(30))
        (createTensorWithDataAsOrtValue, getTensorMutableData, createCpuMemoryInfo) = (slot(49), slot(51), slot(69))
        (releaseEnv, releaseStatus, releaseMemoryInfo, releaseSession, releaseValue) = (slot(92), slot(93), slot(94), slot(95), slot(96))
        releaseSessionOptions = slot(100)
    }

    /// Throws `file: ONNX Runtime: what (message on one line)` for a non-nil `status`, which it releases.
    func check(_ status: OrtStatus, _ file: String, _ what: String) throws {
        guard let status else { return }
        let message = getErrorMessage(status).map { String(cString: $0) } ?? "no message"
        releaseStatus(status)
        let line = message.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        throw FinliteError.runtime("\(file): ONNX Runtime: \(what) (\(line))")
    }

    /// The handle a call writes to its out-parameter, after checking its status.
    func handle(_ file: String, _ what: String, _ call: (HandleOut) -> OrtStatus) throws -> OpaquePointer {
        var handle: OpaquePointer?
        try check(call(&handle), file, what)
        guard let h = handle else { throw FinliteError.runtime("\(file): ONNX Runtime: \(what) (null handle)") }
        return h
    }
}

/// libonnxruntime.so loaded from a path, with one environment and CPU memory info shared by its runners, which
/// keep it alive.
public final class OrtNative {
    let api: OrtApi
    /// The runtime's version string, e.g. `1.32.0`.
    public let version: String
    let env: OpaquePointer
    let cpuMemory: OpaquePointer

    public init(library: URL) throws {
        let lib = try NativeLibrary(library, what: "ONNX Runtime")
        let name = library.lastPathComponent
        let getApiBase: @convention(c) () -> UnsafePointer<UnsafeRawPointer?>? = try lib.symbol("OrtGetApiBase")
        guard let base = getApiBase(), let getApiPointer = base[0], let versionPointer = base[1] else {
            throw FinliteError.runtime("\(name): OrtGetApiBase returned no API base")
        }
        let getApi = unsafeBitCast(getApiPointer, to: (@convention(c) (UInt32) -> UnsafePointer<UnsafeRawPointer?>?).self)
        version = String(cString: unsafeBitCast(versionPointer, to: (@convention(c) () -> UnsafePointer<CChar>).self)())
        guard let table = getApi(OrtApi.version) else {
            throw FinliteError.runtime("\(name): ONNX Runtime \(version) does not offer C API version \(OrtApi.version)")
        }
        let api = OrtApi(table)
        env = try api.handle(name, "cannot create the environment") { api.createEnv(OrtApi.logError, "finlite", $0) }
        cpuMemory = try api.handle(name, "CPU memory info") { api.createCpuMemoryInfo(OrtApi.arenaAllocator, OrtApi.memTypeDefault, $0) }
        self.api = api
    }

    deinit {
        api.releaseMemoryInfo(cpuMemory)
        api.releaseEnv(env)
    }
}
#endif
