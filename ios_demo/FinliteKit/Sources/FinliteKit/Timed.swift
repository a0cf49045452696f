import Foundation

/// A pipeline's result with the time its two steps took on the device, in milliseconds: preprocessing (row
/// parsing and encoding) and inference (the runner). Post-processing (microseconds) is not timed.
public struct Timed<T> {
    public let result: T
    public let preprocessMs: Double
    public let inferenceMs: Double

    /// `preprocess 0.42 ms · inference 1.37 ms`, for a status line.
    public var summary: String {
        String(format: "preprocess %.2f ms · inference %.2f ms", preprocessMs, inferenceMs)
    }

    /// Times `preprocess` and `runner` on its inputs, then `decode`s the logits.
    public static func measure(_ runner: ModelRunner, preprocess: () throws -> [ModelInput],
                               decode: ([Float]) throws -> T) throws -> Timed<T> {
        let clock = ProcessInfo.processInfo
        let t0 = clock.systemUptime
        let inputs = try preprocess()
        let t1 = clock.systemUptime
        let logits = try runner.run(inputs)
        let t2 = clock.systemUptime
        return Timed(result: try decode(logits), preprocessMs: (t1 - t0) * 1000, inferenceMs: (t2 - t1) * 1000)
    }
}
