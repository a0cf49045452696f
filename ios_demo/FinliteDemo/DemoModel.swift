import Foundation
#if canImport(FinliteKit)
import FinliteKit  // when FinliteKit is added as a package instead of compiled into the app
#endif
#if canImport(TensorFlowLite)
import TensorFlowLite
#endif

/// Loads the two bundles from the app's `Bundles` folder (verifying every sha256) and runs them.
@MainActor
final class DemoModel: ObservableObject {
    struct IntentAnswer { let result: IntentResult; let milliseconds: Double }
    struct ProfileAnswer { let result: ProfileResult; let milliseconds: Double; let events: [EventRow] }

    @Published private(set) var intent: IntentAnswer?
    @Published private(set) var profile: ProfileAnswer?
    @Published private(set) var intentError: String?
    @Published private(set) var profileError: String?
    @Published var precision = "fp32" { didSet { load() } }

    private var classifier: IntentClassifier?
    private var scorer: ProfileScorer?

    init() { load() }

    /// (Re)loads both bundles with the chosen precision; a failure is shown on the screen that needs it.
    func load() {
        classifier = nil
        scorer = nil
        guard let root = Bundle.main.url(forResource: "Bundles", withExtension: nil) else {
            intentError = "The app has no Bundles folder: run scripts/sync_bundle.sh, then build again."
            profileError = intentError
            return
        }
        do {
            let bundle = try FinliteBundle(directory: root.appendingPathComponent("intent"))
            classifier = try IntentClassifier(bundle: bundle, runner: try Self.runner(bundle, precision))
            intentError = nil
        } catch {
            intentError = "Intent bundle: \(error)"
        }
        do {
            let bundle = try FinliteBundle(directory: root.appendingPathComponent("profile"))
            scorer = try ProfileScorer(bundle: bundle, runner: try Self.runner(bundle, precision))
            profileError = nil
        } catch {
            profileError = "Profile bundle: \(error)"
        }
    }

    func classify(_ text: String) {
        guard let classifier = classifier else { return }
        do {
            let (result, ms) = try classifier.classify(text)
            intent = IntentAnswer(result: result, milliseconds: ms)
        } catch {
            intentError = "\(error)"
        }
    }

    func scoreDemoUser(_ persona: DemoEventLog.Persona) {
        guard let scorer = scorer else { return }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let log = DemoEventLog.make(persona, asOfMs: now)
        do {
            let (result, ms) = try scorer.score(events: log.events, attributes: log.attributes, asOfMs: now)
            profile = ProfileAnswer(result: result, milliseconds: ms, events: log.events)
        } catch {
            profileError = "\(error)"
        }
    }

    private static func runner(_ bundle: FinliteBundle, _ precision: String) throws -> ModelRunner {
        #if canImport(TensorFlowLite)
        return try TFLiteModel(bundle: bundle, precision: precision)
        #else
        throw FinliteError.unsupported("TensorFlow Lite is not linked: run `pod install` in ios_demo and open FinliteDemo.xcworkspace")
        #endif
    }
}
