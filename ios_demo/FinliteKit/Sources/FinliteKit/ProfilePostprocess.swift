import Foundation

/// A product recommendation: its name, its column within the products head, P(product | buys) and its
/// propensity P(buys) × P(product | buys).
public struct ProductScore: Equatable {
    public let product: String
    public let index: Int
    public let prob: Float
    public let propensity: Float
}

/// The decoded profile output of one user (finlite-core and the Python reference have the same type).
public struct ProfilePrediction: Equatable {
    public let stage: String
    public let stageProbs: [String: Float]
    /// Independent sigmoid scores in [0, 1] per tag (not a distribution).
    public let tags: [String: Double]
    /// P(buys anything within the horizon).
    public let buyProb: Double
    public let topProducts: [ProductScore]
}

/// Profile post-processing (manifest `postprocess.heads`, docs/schema.md §4): one logits row
/// `[lifecycle | tags | buy | products]`; lifecycle → softmax → stage = arg-max; tags → sigmoid each; buy → sigmoid =
/// P(buys); products → softmax = P(product | buys) → top_k (ties: lower index); propensity = P(buys) × prob.
public struct ProfilePostprocess: Equatable {
    /// Columns `[start, end)` of one head and the label of each column.
    public struct Head: Equatable {
        public let start: Int
        public let end: Int
        public let labels: [String]

        public init(start: Int, end: Int, labels: [String]) throws {
            guard start >= 0, end - start == labels.count else {
                throw FinliteError.invalid("head columns [\(start), \(end)) do not match \(labels.count) labels")
            }
            (self.start, self.end, self.labels) = (start, end, labels)
        }
    }

    /// The manifest's (or golden.json's) `postprocess` block (the fields the decoding needs).
    public struct Block: Decodable, Equatable {
        public struct Head: Decodable, Equatable {
            public var columns: [Int]
            public var labels: [String]
            public var activation: String
            public var topK: Int?
            enum CodingKeys: String, CodingKey { case columns, labels, activation, topK = "top_k" }
        }
        public var heads: [String: Head]
    }

    public let lifecycle: Head
    public let tags: Head
    public let buy: Head
    public let products: Head
    public let topK: Int

    public var outputs: Int { max(lifecycle.end, tags.end, buy.end, products.end) }

    public init(lifecycle: Head, tags: Head, buy: Head, products: Head, topK: Int) {
        (self.lifecycle, self.tags, self.buy, self.products, self.topK) = (lifecycle, tags, buy, products, topK)
    }

    /// From a `postprocess` block: heads lifecycle (softmax), tags (sigmoid) and products (softmax, `top_k`).
    public init(block: Block) throws {
        func head(_ name: String, _ activation: String) throws -> Head {
            guard let h = block.heads[name], h.columns.count == 2 else {
                throw FinliteError.invalid("profile postprocess: no head \(name) with columns [start, end]")
            }
            guard h.activation == activation else {
                throw FinliteError.unsupported("profile postprocess: head \(name) activation \(h.activation), expected \(activation)")
            }
            return try Head(start: h.columns[0], end: h.columns[1], labels: h.labels)
        }
        guard let k = block.heads["products"]?.topK else { throw FinliteError.invalid("profile postprocess: products has no top_k") }
        self.init(lifecycle: try head("lifecycle", "softmax"), tags: try head("tags", "sigmoid"), buy: try head("buy", "sigmoid"),
                  products: try head("products", "softmax"), topK: k)
    }

    public func decode(_ logits: [Float]) throws -> ProfilePrediction {
        guard logits.count >= outputs else {
            throw FinliteError.invalid("the model returned \(logits.count) logits, the layout needs \(outputs)")
        }
        let stageProbs = Activations.softmax(logits[lifecycle.start..<lifecycle.end])
        let buyProb = Activations.sigmoid(logits[buy.start])
        let productProbs = Activations.softmax(logits[products.start..<products.end])
        let top = Activations.topK(productProbs, k: topK).map {
            ProductScore(product: products.labels[$0], index: $0, prob: productProbs[$0], propensity: Float(buyProb) * productProbs[$0])
        }
        return ProfilePrediction(
            stage: lifecycle.labels[Activations.argmax(stageProbs)],
            stageProbs: Dictionary(uniqueKeysWithValues: zip(lifecycle.labels, stageProbs)),
            tags: Dictionary(uniqueKeysWithValues: zip(tags.labels, logits[tags.start..<tags.end].map(Activations.sigmoid))),
            buyProb: buyProb, topProducts: top)
    }
}
