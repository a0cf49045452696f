#if os(Linux)
import Foundation
import XCTest
@testable import FinliteKit

/// A corrupted model file, bytes that are no model, a wrong input shape, name or dtype and a missing library are
/// one-line errors naming the file, and the test process lives on (finlite-jvm's NativeErrorsTest from Kotlin).
final class NativeErrorsTests: XCTestCase {
    /// The one-line message `body` throws (fails the test when it throws nothing).
    private func message(_ body: () throws -> Any) -> String {
        do { _ = try body() } catch { let m = "\(error)"; XCTAssertFalse(m.contains("\n"), "one line: \(m)"); return m }
        XCTFail("no error")
        return ""
    }

    func testACorruptedModelFileInABundleIsRefusedBeforeTheRuntimeSeesIt() throws {
        let copy = try copyOfBundle("intent")
        let loaded = try FinliteBundle(directory: copy)
        for (format, file) in [("tflite", "model.tflite"), ("onnx", "model.onnx")] {
            let url = copy.appendingPathComponent(file)
            var bytes = try Data(contentsOf: url)
            bytes[bytes.count / 2] ^= 0x5A
            try bytes.write(to: url)
            let m = message { try IntentClassifier(bundle: loaded, factory: NativeRuntimes.factory(format), precision: "fp32") }
            XCTAssertTrue(m.hasSuffix("\(file): sha256 does not match the manifest — refusing to load"), m)
        }
    }

    func testBytesThatAreNoModelAreOneLineErrorsOfEachRuntime() throws {
        let bundle = try Fixtures.bundle("intent")
        let garbage = Data(String(repeating: "not a model at all", count: 10).utf8)
        let tflite = try bundle.artifact(format: "tflite", precision: "fp32"), onnx = try bundle.artifact(format: "onnx", precision: "fp32")
        XCTAssertEqual(message { try LiteRtCModelRunner(lib: NativeRuntimes.litert(), model: garbage, artifact: tflite) },
                       "model.tflite: not a TFLite flatbuffer (no TFL3 file identifier)")
        let m = message { try OrtModelRunner(ort: NativeRuntimes.ort(), model: garbage, artifact: onnx, threads: 1) }
        XCTAssertTrue(m.hasPrefix("model.onnx: ONNX Runtime: cannot load the model ("), m)
        var flipped = try bundle.modelBytes(onnx)
        for i in stride(from: 0, to: flipped.count, by: 97) { flipped[i] ^= 0x5A }
        let f = message { try OrtModelRunner(ort: NativeRuntimes.ort(), model: flipped, artifact: onnx, threads: 1) }
        XCTAssertTrue(f.hasPrefix("model.onnx: ONNX Runtime: "), f)
        print("NativeErrorsTests: corrupted ONNX file -> \(f)")
    }

    func testAWrongInputShapeNameOrDtypeIsAOneLineError() throws {
        let bundle = try Fixtures.bundle("intent")
        for format in ["tflite", "onnx"] {
            let artifact = try bundle.artifact(format: format, precision: "fp32")
            let runner = try NativeRuntimes.factory(format).create(bundle: bundle, artifact: artifact)
            let name = artifact.inputs[0].name
            let shape = message { try runner.run([.ints(tensorName: name, data: Array(repeating: 0, count: 100))]) }
            XCTAssertEqual(shape, "\(artifact.file): input \(name) has 100 values, the model expects 2048 (shape [64, 32] without the batch axis)")
            print("NativeErrorsTests: wrong shape -> \(shape)")
            XCTAssertTrue(message { try runner.run([.floats(tensorName: "nope", data: Array(repeating: 0, count: 2048))]) }
                .hasSuffix("the model takes [\"\(name)\"]"))
            XCTAssertEqual(message { try runner.run([.floats(tensorName: name, data: Array(repeating: 0, count: 2048))]) },
                           "\(artifact.file): input \(name) is float32, the model expects int32")
            XCTAssertEqual(try runner.run([.ints(tensorName: name, data: Array(repeating: 0, count: 2048))]).count, 28, "still runs after the errors")
        }
    }

    func testAMissingLibraryIsAOneLineError() throws {
        let missing = URL(fileURLWithPath: "/nonexistent/libLiteRt.so")
        XCTAssertTrue(message { try LiteRtNative(library: missing) }.hasPrefix("/nonexistent/libLiteRt.so: no LiteRT library"))
        XCTAssertTrue(message { try OrtNative(library: missing) }.hasPrefix("/nonexistent/libLiteRt.so: no ONNX Runtime library"))
        let notOrt = try NativeRuntimes.dir.appendingPathComponent("libLiteRt.so")
        XCTAssertTrue(message { try OrtNative(library: notOrt) }.hasSuffix("no symbol OrtGetApiBase (\(notOrt.path): undefined symbol: OrtGetApiBase)"))
    }

    /// A second library object per runtime, with a runner, is created and released (its environment and the
    /// runner's handles go back to the runtime) while the shared ones keep working.
    func testRuntimesAndRunnersAreReleasedCleanly() throws {
        let bundle = try Fixtures.bundle("intent")
        for _ in 0..<3 {
            let litert = try LiteRtNative(library: NativeRuntimes.dir.appendingPathComponent("libLiteRt.so"))
            let ort = try OrtNative(library: NativeRuntimes.dir.appendingPathComponent("libonnxruntime.so"))
            let versions = try String(contentsOf: NativeRuntimes.dir.appendingPathComponent("VERSIONS"), encoding: .utf8)
            XCTAssertTrue(versions.contains("onnxruntime \(ort.version)\n"), "the wheel's version: \(versions)")
            for factory in [LiteRtCModelRunner.Factory(lib: litert), OrtModelRunner.Factory(ort: ort)] as [ModelRunnerFactory] {
                let artifact = try bundle.artifact(format: factory.format, precision: "int8")
                let ids = Array(repeating: Int32(1), count: 2048)
                let got = try factory.create(bundle: bundle, artifact: artifact).run([.ints(tensorName: artifact.inputs[0].name, data: ids)])
                XCTAssertEqual(got.count, 28)
            }
        }
        XCTAssertEqual(try NativeRuntimes.factory("onnx").format, "onnx")
    }
}
#endif
