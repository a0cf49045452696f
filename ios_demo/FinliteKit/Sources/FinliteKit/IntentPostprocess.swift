import Foundation

/// A label with its probability and its column in the model output.
public struct LabelScore: Equatable {
    public let label: String
    public let index: Int
    public let prob: Float
}

/// The answer for one text (finlite-core and the Python reference have the same type): the final label (maybe the
/// out-of-scope label), the top-k labels, the softmax probabilities of every label, and whether the best
/// probability was below the threshold. `text` is the input when the prediction came from a classifier.
public struct IntentPrediction: Equatable {
    public let text: String?
    public let label: String
    public let topK: [LabelScore]
    public let probs: [Float]
    public let isOutOfScope: Bool
}

/// Intent post-processing (manifest `postprocess`): `probs = softmax(logits)`; the `top_k` labels by probability
/// (ties: lower index first); the answer is `oos_label` if `max(probs) < oos_threshold`, else the arg-max label.
public struct IntentPostprocess: Equatable {
    /// The manifest's (or golden.json's) `postprocess` block.
    public struct Block: Decodable, Equatable {
        public var activation: String
        public var topK: Int
        public var oosThreshold: Double
        public var oosLabel: String

        enum CodingKeys: String, CodingKey {
            case activation, topK = "top_k", oosThreshold = "oos_threshold", oosLabel = "oos_label"
        }
    }

    public let labels: [String]
    public let topK: Int
    public let oosThreshold: Double
    public let oosLabel: String

    public init(labels: [String], topK: Int, oosThreshold: Double, oosLabel: String) {
        (self.labels, self.topK, self.oosThreshold, self.oosLabel) = (labels, topK, oosThreshold, oosLabel)
    }

    /// From a `postprocess` block and labels.txt.
    public init(block: Block, labels: [String]) throws {
        guard block.activation == "softmax" else {
            throw FinliteError.unsupported("intent postprocess: activation \(block.activation), only softmax is implemented")
        }
        self.init(labels: labels, topK: block.topK, oosThreshold: block.oosThreshold, oosLabel: block.oosLabel)
    }

    /// The prediction for one logits row; `text` is only passed through.
    public func decode(_ logits: [Float], text: String? = nil) throws -> IntentPrediction {
        guard logits.count == labels.count else {
            throw FinliteError.invalid("the model returned \(logits.count) logits for \(labels.count) labels")
        }
        let probs = Activations.softmax(logits[...])
        let top = Activations.topK(probs, k: topK).map { LabelScore(label: labels[$0], index: $0, prob: probs[$0]) }
        let best = Activations.argmax(probs)
        let outOfScope = Double(probs[best]) < oosThreshold
        return IntentPrediction(text: text, label: outOfScope ? oosLabel : labels[best], topK: top, probs: probs,
                                isOutOfScope: outOfScope)
    }
}
