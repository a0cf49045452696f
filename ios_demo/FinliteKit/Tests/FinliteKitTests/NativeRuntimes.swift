// The native runtimes of the Linux tests: libLiteRt.so and libonnxruntime.so from the folder FINLITE_NATIVE_LIBS
// (scripts/test_swift.sh copies tests/mobile/native_libs.py's folder into the Swift root and sets it).
#if os(Linux)
import Foundation
import XCTest
@testable import FinliteKit

enum NativeRuntimes {
    static var dir: URL {
        get throws {
            guard let env = ProcessInfo.processInfo.environment["FINLITE_NATIVE_LIBS"] else {
                throw FinliteError.invalid("FINLITE_NATIVE_LIBS is not set (run `make test-ios`)")
            }
            return URL(fileURLWithPath: env)
        }
    }

    private static var litertCache: LiteRtNative?
    private static var ortCache: OrtNative?

    /// One LiteRT library and environment per test process.
    static func litert() throws -> LiteRtNative {
        if let lib = litertCache { return lib }
        let lib = try LiteRtNative(library: dir.appendingPathComponent("libLiteRt.so"))
        litertCache = lib
        return lib
    }

    /// One ONNX Runtime library and environment per test process.
    static func ort() throws -> OrtNative {
        if let lib = ortCache { return lib }
        let lib = try OrtNative(library: dir.appendingPathComponent("libonnxruntime.so"))
        ortCache = lib
        return lib
    }

    /// The factory of `format` (`tflite` or `onnx`).
    static func factory(_ format: String) throws -> ModelRunnerFactory {
        format == "tflite" ? LiteRtCModelRunner.Factory(lib: try litert()) : OrtModelRunner.Factory(ort: try ort())
    }

    /// A golden example's flattened inputs (`GoldenReplay.Example.inputs`) as `artifact`'s model inputs.
    static func inputs(_ flat: [[Double]], _ artifact: Manifest.Artifact) -> [ModelInput] {
        zip(flat, artifact.inputs).map { data, spec in
            spec.dtype == "int32" ? .ints(tensorName: spec.name, data: data.map { Int32($0) })
                                  : .floats(tensorName: spec.name, data: data.map { Float($0) })
        }
    }
}

/// golden.json's checks on model outputs: the `top1` columns and each artifact's logits tolerance.
struct GoldenTolerances: Decodable {
    struct Top1: Decodable { var columns: [Int]? }
    struct Tolerance: Decodable { var logits_atol: Double }
    var top1: Top1
    var tolerances: [String: Tolerance]

    static func of(_ name: String) throws -> GoldenTolerances {
        let b = try Fixtures.bundle(name)
        return try Fixtures.decode(GoldenTolerances.self, b.url(b.manifest.goldenFile))
    }
}

/// The index of the largest value of `v[range]` (the first one on ties).
func argmax<T: Comparable>(_ v: [T], _ range: Range<Int>) -> Int {
    range.reduce(range.lowerBound) { v[$1] > v[$0] ? $1 : $0 }
}
#endif
