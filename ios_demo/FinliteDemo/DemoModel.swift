import Foundation
#if canImport(Combine)
import Combine  // ObservableObject, @Published
#endif
#if canImport(FinliteKit)
import FinliteKit  // when FinliteKit is added as a package instead of compiled into the app
#endif
#if canImport(TensorFlowLite)
import TensorFlowLite
#endif

/// Loads the two bundles from the app's `Bundles` folder (verifying every sha256) and runs them.
@MainActor
final class DemoModel: ObservableObject {
    /// One refresh of the Profile screen: the scores of the saved streaming state, the new events, the trigger
    /// firings (Bundles/triggers.json) and the offer card (Bundles/policy.json) with its "why" text.
    typealias ProfileAnswer = DemoProfileSession.Answer

    @Published private(set) var intent: Timed<IntentPrediction>?
    @Published private(set) var profile: ProfileAnswer?
    @Published private(set) var intentError: String?
    @Published private(set) var profileError: String?
    @Published private(set) var profileNote: String?
    @Published var precision = "fp32" { didSet { load() } }

    private var classifier: IntentClassifier?
    private var scorer: ProfileScorer?
    private var session: DemoProfileSession?

    /// The model file each screen runs, shown with its timings (as the Android app does).
    var intentArtifact: String { classifier?.artifact.file ?? "no model" }
    var profileArtifact: String { scorer?.artifact.file ?? "no model" }

    init() { load() }

    /// (Re)loads both bundles with the chosen precision; a failure is shown on the screen that needs it.
    func load() {
        classifier = nil
        scorer = nil
        session = nil
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
            let scorer = try ProfileScorer(bundle: bundle, factory: try Self.runtime(), precision: precision)
            self.scorer = scorer
            session = try DemoProfileSession(scorer: scorer, bundle: bundle, triggersJSON: Self.read(root, "triggers.json"),
                                             policyJSON: Self.read(root, "policy.json"))
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

    /// Scores the persona's saved state after feeding it the events it has not seen, and decides on an offer; the
    /// states and the exposure log live in the app's files (one folder per persona), so caps hold across restarts.
    func scoreDemoUser(_ persona: DemoEventLog.Persona) {
        guard let session = session else { return }
        do {
            let store = try Self.store(persona)
            profile = try session.refresh(persona, user: Self.user(persona), store: store, nowMs: Self.nowMs(), zone: TimeZone.current.identifier)
            profileError = nil
            profileNote = nil
        } catch {
            profileError = "\(error)"
        }
    }

    /// "Reset my profile": deletes the persona's profile and trigger states and appends a reset to its exposure log.
    func resetProfile(_ persona: DemoEventLog.Persona) {
        do {
            try Self.store(persona).resetProfile(user: Self.user(persona), nowMs: Self.nowMs())
            profile = nil
            profileError = nil
            profileNote = "Profile reset: the saved profile and trigger states are deleted, the offers shown so far erased."
        } catch {
            profileError = "Cannot reset: \(error)"
        }
    }

    private static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    private static func user(_ persona: DemoEventLog.Persona) -> String { "demo_" + String(describing: persona) }

    private static func store(_ persona: DemoEventLog.Persona) throws -> OfferStore {
        let support = try FileManager.default.url(for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
        return try OfferStore(directory: support.appendingPathComponent("finlite/\(user(persona))"), device: "ios")
    }

    /// A file of the Bundles folder, or nil when sync_bundle.sh did not copy it (the screen then says so).
    private static func read(_ root: URL, _ name: String) -> Data? { try? Data(contentsOf: root.appendingPathComponent(name)) }

    /// The LiteRT runtime, as the Android app's FinliteApplication provides it.
    private static func runtime() throws -> ModelRunnerFactory {
        #if canImport(TensorFlowLite)
        return LiteRtModelRunner.Factory(threads: 2)
        #else
        throw FinliteError.unsupported("TensorFlow Lite is not linked: run `pod install` in ios_demo and open FinliteDemo.xcworkspace")
        #endif
    }
}
