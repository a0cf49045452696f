// dlopen / dlsym for the native-runtime runners on Linux (LiteRtC.swift, OrtC.swift): the runtimes' wheels ship no
// headers, so their C functions are declared by hand as @convention(c) types and looked up by name.
#if os(Linux)
import Foundation
import Glibc

/// A shared library opened with `dlopen` (never closed: runtimes keep threads and static state for the process).
final class NativeLibrary {
    let path: String
    private let handle: UnsafeMutableRawPointer

    /// Opens `url`; `what` names the runtime in the error when the file is missing.
    init(_ url: URL, what: String) throws {
        path = url.path
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw FinliteError.runtime("\(path): no \(what) library (`make test-ios` caches it from the wheel: tests/mobile/native_libs.py)")
        }
        guard let h = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw FinliteError.runtime("\(path): dlopen failed (\(Self.lastError()))")
        }
        handle = h
    }

    /// The C function `name` as the function type `T` (a `@convention(c)` type matching its declaration).
    func symbol<T>(_ name: String) throws -> T {
        guard let p = dlsym(handle, name) else { throw FinliteError.runtime("\(path): no symbol \(name) (\(Self.lastError()))") }
        return unsafeBitCast(p, to: T.self)
    }

    private static func lastError() -> String { dlerror().map { String(cString: $0) } ?? "unknown error" }
}

/// An opaque handle of a C API (nil = none), and the out-parameter a C function writes one to.
typealias Handle = OpaquePointer?
typealias HandleOut = UnsafeMutablePointer<OpaquePointer?>
#endif
