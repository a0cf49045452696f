import Foundation

/// One entry of a top-k list.
public struct Ranked: Equatable {
    public let label: String
    /// Column within the head (intent: the label's line in labels.txt).
    public let index: Int
    public let prob: Float
}

/// The manifest's intent `postprocess` block.
public struct IntentPostprocess: Codable, Equatable {
    public var topK: Int
    public var oosThreshold: Double
    public var oosLabel: String

    enum CodingKeys: String, CodingKey { case topK = "top_k", oosThreshold = "oos_threshold", oosLabel = "oos_label" }

    public init(topK: Int, oosThreshold: Double, oosLabel: String) {
        (self.topK, self.oosThreshold, self.oosLabel) = (topK, oosThreshold, oosLabel)
    }
}

/// An intent model's answer: probabilities, top-k, and the final label (or the out-of-scope label).
public struct IntentResult: Equatable {
    public let probs: [Float]
    public let topK: [Ranked]
    public let label: String
    /// True when the best probability is below the threshold and the answer is the out-of-scope label.
    public let outOfScope: Bool
}

/// A profile model's answer (docs/bundle.md, "Running a profile model").
public struct ProfileResult: Equatable {
    public let stage: String
    public let stageProbs: [String: Float]
    /// Independent sigmoid scores in [0, 1] (not a distribution), rounded to Float.
    public let tags: [String: Float]
    public let topProducts: [Ranked]
}

/// The manifest's profile `postprocess` block (only the fields the decoding needs).
public struct ProfilePostprocess: Codable, Equatable {
    public struct Head: Codable, Equatable {
        public var columns: [Int]
        public var labels: [String]
        public var topK: Int?
        enum CodingKeys: String, CodingKey { case columns, labels, topK = "top_k" }
    }
    public var heads: [String: Head]
}

/// Post-processing exactly as finlite's `finlite/export/postprocess.py` (and every app) computes it.
public enum Postprocess {
    /// Softmax in Double (max-shifted), rounded to Float.
    public static func softmax(_ logits: ArraySlice<Float>) -> [Float] {
        guard let m = logits.max() else { return [] }
        let e = logits.map { exp(Double($0) - Double(m)) }
        let sum = e.reduce(0, +)
        return e.map { Float($0 / sum) }
    }

    /// `1 / (1 + e^-x)`, computed without overflow for large |x|.
    public static func sigmoid(_ x: Float) -> Double {
        let t = exp(-abs(Double(x)))
        return x >= 0 ? 1 / (1 + t) : t / (1 + t)
    }

    /// Indices of the `k` largest values, largest first; ties: the lower index first.
    public static func topIndices(_ values: [Float], k: Int) -> [Int] {
        Array(values.indices.sorted { values[$0] != values[$1] ? values[$0] > values[$1] : $0 < $1 }.prefix(k))
    }

    /// First index of the largest value.
    public static func argmax(_ values: [Float]) -> Int {
        values.indices.reduce(0) { values[$1] > values[$0] ? $1 : $0 }
    }

    /// softmax → top-k → out-of-scope rule: `oos_label` if max(probs) < oos_threshold, else the arg-max label.
    public static func intent(logits: [Float], labels: [String], rule: IntentPostprocess) -> IntentResult {
        let probs = softmax(logits[...])
        let top = topIndices(probs, k: rule.topK).map { Ranked(label: labels[$0], index: $0, prob: probs[$0]) }
        let best = argmax(probs)
        let oos = Double(probs[best]) < rule.oosThreshold
        return IntentResult(probs: probs, topK: top, label: oos ? rule.oosLabel : labels[best], outOfScope: oos)
    }

    /// One logits row `[lifecycle | tags | products]` → stage, stage probabilities, tag scores, top products.
    public static func profile(logits: [Float], rule: ProfilePostprocess) throws -> ProfileResult {
        guard let life = rule.heads["lifecycle"], let tags = rule.heads["tags"], let products = rule.heads["products"] else {
            throw FinliteError.invalid("profile postprocess needs the heads lifecycle, tags and products")
        }
        for head in [life, tags, products] where head.columns.count != 2 || head.columns[1] > logits.count
            || head.columns[1] - head.columns[0] != head.labels.count {
            throw FinliteError.invalid("profile postprocess: head columns \(head.columns) do not fit \(logits.count) logits")
        }
        let stageProbs = softmax(logits[life.columns[0]..<life.columns[1]])
        let productProbs = softmax(logits[products.columns[0]..<products.columns[1]])
        let tagScores = logits[tags.columns[0]..<tags.columns[1]].map { Float(sigmoid($0)) }
        let top = topIndices(productProbs, k: products.topK ?? 3).map {
            Ranked(label: products.labels[$0], index: $0, prob: productProbs[$0])
        }
        return ProfileResult(
            stage: life.labels[argmax(stageProbs)],
            stageProbs: Dictionary(uniqueKeysWithValues: zip(life.labels, stageProbs)),
            tags: Dictionary(uniqueKeysWithValues: zip(tags.labels, tagScores)),
            topProducts: top)
    }
}
