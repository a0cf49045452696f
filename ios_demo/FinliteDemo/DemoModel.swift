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
    /// A scored synthetic user, its raw event log and what the trigger spec (Bundles/triggers.json) fired on it.
    struct ProfileAnswer { let timed: Timed<ProfilePrediction>; let events: [RawRow]; let firings: [String] }

    @Published private(set) var intent: Timed<IntentPrediction>?
    @Published private(set) var profile: ProfileAnswer?
    @Published private(set) var intentError: String?
    @Published private(set) var profileError: String?
    @Published var precision = "fp32" { didSet { load() } }

    private var classifier: IntentClassifier?
    private var scorer: ProfileScorer?
    private var triggers: (spec: TriggerSpec, schema: ProfileSchema)?

    /// The model file each screen runs, shown with its timings (as the Android app does).
    var intentArtifact: String { classifier?.artifact.file ?? "no model" }
    var profileArtifact: String { scorer?.artifact.file ?? "no model" }

    init() { load() }

    /// (Re)loads both bundles with the chosen precision; a failure is shown on the screen that needs it.
    func load() {
        classifier = nil
        scorer = nil
        triggers = nil
        guard let root = Bundle.main.url(forResource: "Bundles", withExtension: nil) else {
            intentError = "The app has no Bundles folder: run scripts/sync_bundle.sh, then build again."
            profileError = intentError
            return
        }
        do {
            let bundle = try FinliteBundle(directory: root.appendingPathComponent("intent"))
            classifier = try IntentClassifier(bundle: bundle, factory: try Self.runtime(), precision: precision)
            intentError = nil
        } catch {
            intentError = "Intent bundle: \(error)"
        }
        do {
            let bundle = try FinliteBundle(directory: root.appendingPathComponent("profile"))
            scorer = try ProfileScorer(bundle: bundle, factory: try Self.runtime(), precision: precision)
            if let schema = bundle.profileSpec?.schema {
                let spec = try TriggerFeed.spec(try Data(contentsOf: root.appendingPathComponent("triggers.json")), schema: schema)
                triggers = (spec: spec, schema: schema)
            }
            profileError = nil
        } catch {
            profileError = "Profile bundle: \(error)"
        }
    }

    func classify(_ text: String) {
        guard let classifier = classifier else { return }
        do {
            intent = try classifier.classify(text)
        } catch {
            intentError = "\(error)"
        }
    }

    func scoreDemoUser(_ persona: DemoEventLog.Persona) {
        guard let scorer = scorer else { return }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let log = DemoEventLog.make(persona, asOfMs: now)
        do {
            var fired: [String] = []
            if let t = triggers {
                fired = try TriggerFeed.feed(TriggerEngine(spec: t.spec, schema: t.schema), schema: t.schema, rows: log.events, nowMs: now)
                    .map(TriggerFeed.describe)
            }
            // the app's streaming state: every event goes in as it happens; a re-score reads the state
            var state = try scorer.newState()
            try state.setAttributes(row: log.attributes)
            for row in log.events { try state.update(row: row) }
            let asOf = max(now, state.events.last?.tsMs ?? now)
            profile = ProfileAnswer(timed: try scorer.score(state: state, asOfMs: asOf), events: log.events, firings: fired)
        } catch {
            profileError = "\(error)"
        }
    }

    /// The LiteRT runtime, as the Android app's FinliteApplication provides it.
    private static func runtime() throws -> ModelRunnerFactory {
        #if canImport(TensorFlowLite)
        return LiteRtModelRunner.Factory(threads: 2)
        #else
        throw FinliteError.unsupported("TensorFlow Lite is not linked: run `pod install` in ios_demo and open FinliteDemo.xcworkspace")
        #endif
    }
}
