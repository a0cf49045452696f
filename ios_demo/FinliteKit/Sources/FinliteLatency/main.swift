// finlite-latency NATIVE_DIR RUNS BUNDLE...: per-inference latency of every artifact of the bundles through the C
// APIs from Swift on Linux (benchmarks/native_latency.py runs it, via scripts/latency_swift.sh, beside the Python
// bindings and Kotlin's LatencyMain): one JSON line per artifact with the median and p90 in microseconds over RUNS
// calls after 200 warm-up calls, zero-filled inputs of the artifact's shape, batch 1, one thread.
import Foundation
import FinliteKit

#if os(Linux)
func latency(_ args: [String]) throws {
    guard args.count >= 3, let runs = Int(args[1]), runs > 0 else {
        throw FinliteError.invalid("usage: finlite-latency NATIVE_DIR RUNS BUNDLE...")
    }
    let dir = URL(fileURLWithPath: args[0])
    let litert = try LiteRtNative(library: dir.appendingPathComponent("libLiteRt.so"))
    let ort = try OrtNative(library: dir.appendingPathComponent("libonnxruntime.so"))
    for path in args.dropFirst(2) {
        let bundle = try FinliteBundle(directory: URL(fileURLWithPath: path))
        for artifact in bundle.manifest.artifacts {
            let factory: ModelRunnerFactory = artifact.format == "tflite" ? LiteRtCModelRunner.Factory(lib: litert) : OrtModelRunner.Factory(ort: ort, threads: 1)
            let runner = try factory.create(bundle: bundle, artifact: artifact)
            let inputs = artifact.inputs.map { spec -> ModelInput in
                let n = spec.shape.dropFirst().reduce(1, *)
                return spec.dtype == "int32" ? .ints(tensorName: spec.name, data: Array(repeating: 0, count: n))
                                             : .floats(tensorName: spec.name, data: Array(repeating: 0, count: n))
            }
            for _ in 0..<200 { _ = try runner.run(inputs) }
            var times: [UInt64] = []
            times.reserveCapacity(runs)
            for _ in 0..<runs {
                let t = DispatchTime.now().uptimeNanoseconds
                _ = try runner.run(inputs)
                times.append(DispatchTime.now().uptimeNanoseconds - t)
            }
            times.sort()
            let (median, p90) = (Double(times[runs / 2]) / 1000, Double(times[runs * 9 / 10]) / 1000)
            print("{\"task\": \"\(bundle.task)\", \"file\": \"\(artifact.file)\", \"median_us\": \(median), \"p90_us\": \(p90)}")
        }
    }
}

do { try latency(Array(CommandLine.arguments.dropFirst())) } catch {
    FileHandle.standardError.write(Data("finlite-latency: \(error)\n".utf8))
    exit(1)
}
#else
FileHandle.standardError.write(Data("finlite-latency: Linux only (the C-API runners); on Apple platforms use the app\n".utf8))
exit(1)
#endif
