import Foundation

/// The activations of the post-processing (finlite-core's `Activations`), as finlite/bundle/postprocess.py computes them.
public enum Activations {
    /// Softmax in Double (max-shifted), rounded to Float.
    public static func softmax(_ logits: ArraySlice<Float>) -> [Float] {
        guard let m = logits.max() else { return [] }
        let e = logits.map { exp(Double($0) - Double(m)) }
        let sum = e.reduce(0, +)
        return e.map { Float($0 / sum) }
    }

    /// `1 / (1 + e^-x)` in Double, computed without overflow for large |x|.
    public static func sigmoid(_ x: Float) -> Double {
        let t = exp(-abs(Double(x)))
        return x >= 0 ? 1 / (1 + t) : t / (1 + t)
    }

    /// Indices of the `k` largest values, largest first; ties: the lower index first.
    public static func topK(_ values: [Float], k: Int) -> [Int] {
        Array(values.indices.sorted { values[$0] != values[$1] ? values[$0] > values[$1] : $0 < $1 }.prefix(k))
    }

    /// First index of the largest value (numpy's argmax).
    public static func argmax(_ values: [Float]) -> Int {
        values.indices.reduce(0) { values[$1] > values[$0] ? $1 : $0 }
    }
}
