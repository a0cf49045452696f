#if os(Linux)
import Foundation
import XCTest
@testable import FinliteKit

/// End to end against Python (agreement_{intent,profile}.json next to the bundles, written by
/// tests/mobile/make_bundles.py with Python's load_bundle + predict): raw text → label on 1,000 texts and raw events
/// → stage, tags and top products on 500 users, through the C APIs, for every artifact. Reported as agreement rates
/// and max |Δ| (softmax probabilities, tag scores); finlite-jvm's {Intent,Profile}AgreementTest do the same in Kotlin.
final class NativeAgreementTests: XCTestCase {
    struct IntentFile: Decodable {
        struct Answers: Decodable { var labels: [String]; var probs: [[Double]] }
        var texts: [String]
        var python: [String: Answers]
    }

    struct ProfileFile: Decodable {
        struct User: Decodable { var events: [RawRow]; var attributes: RawRow? }
        struct Answers: Decodable { var stages: [String]; var tags: [[Double]]; var top_products: [[String]] }
        var as_of_ms: Int64
        var users: [User]
        var python: [String: Answers]
    }

    private func agreementFile<T: Decodable>(_ name: String, _ type: T.Type) throws -> T {
        let url = Fixtures.bundles.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            XCTFail("\(url.path) is missing (run `make test-bundles`)")
            throw FinliteError.missingFile(url.path)
        }
        return try Fixtures.decode(type, url)
    }

    func testSwiftAgreesWithPythonOnAThousandTexts() throws {
        let file = try agreementFile("agreement_intent.json", IntentFile.self)
        XCTAssertEqual(file.texts.count, 1000)
        let bundle = try Fixtures.bundle("intent")
        for artifact in bundle.manifest.artifacts {
            let want = try XCTUnwrap(file.python[artifact.file])
            let classifier = try IntentClassifier(bundle: bundle, factory: NativeRuntimes.factory(artifact.format), precision: artifact.precision)
            var same = 0, maxDiff = 0.0
            for (i, text) in file.texts.enumerated() {
                let got = try classifier.classify(text).result
                if got.label == want.labels[i] { same += 1 }
                maxDiff = zip(got.probs, want.probs[i]).reduce(maxDiff) { max($0, abs(Double($1.0) - $1.1)) }
            }
            print("NativeAgreementTests: \(artifact.file): labels agree on \(same)/\(file.texts.count) texts "
                  + "(\(String(format: "%.4f", Double(same) / Double(file.texts.count)))), max |Δ prob| \(maxDiff)")
            XCTAssertEqual(same, file.texts.count, "\(artifact.file): labels")
            XCTAssertLessThanOrEqual(maxDiff, 1e-5, "\(artifact.file): max |Δ prob|")
        }
    }

    func testSwiftAgreesWithPythonOnFiveHundredUsers() throws {
        let file = try agreementFile("agreement_profile.json", ProfileFile.self)
        XCTAssertEqual(file.users.count, 500)
        let bundle = try Fixtures.bundle("profile")
        let tags = try XCTUnwrap(bundle.profileSpec).schema.tags
        for artifact in bundle.manifest.artifacts {
            let want = try XCTUnwrap(file.python[artifact.file])
            let scorer = try ProfileScorer(bundle: bundle, factory: NativeRuntimes.factory(artifact.format), precision: artifact.precision)
            var sameStage = 0, sameProducts = 0, maxDiff = 0.0
            for (i, user) in file.users.enumerated() {
                let got = try scorer.score(events: user.events, attributes: user.attributes, asOfMs: file.as_of_ms).result
                if got.stage == want.stages[i] { sameStage += 1 }
                if got.topProducts.map(\.product) == want.top_products[i] { sameProducts += 1 }
                maxDiff = zip(tags, want.tags[i]).reduce(maxDiff) { max($0, abs((got.tags[$1.0] ?? .infinity) - $1.1)) }
            }
            let n = file.users.count
            print("NativeAgreementTests: \(artifact.file): stage agrees on \(sameStage)/\(n) users, top products on \(sameProducts)/\(n), max |Δ tag score| \(maxDiff)")
            XCTAssertEqual(sameStage, n, "\(artifact.file): stages")
            XCTAssertEqual(sameProducts, n, "\(artifact.file): top products")
            XCTAssertLessThanOrEqual(maxDiff, 1e-5, "\(artifact.file): max |Δ tag score|")
        }
    }
}
#endif
