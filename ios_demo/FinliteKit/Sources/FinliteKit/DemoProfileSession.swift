import Foundation

/// The demo Profile screen's work without the UI (FinliteDemo's DemoModel shows it; Android: ProfileActivity): a
/// persona's synthetic events go into the saved profile and trigger states (only events they have not seen, and
/// none from before a reset), the profile model scores the state, and the offer policy decides on an in-app card
/// with its "why" text, appended to the saved exposure log.
public struct DemoProfileSession {
    /// What one refresh of the screen shows.
    public struct Answer {
        /// The model's answer, or nil when the state holds no events (after a reset, the built-in history is older).
        public let timed: Timed<ProfilePrediction>?
        public let newEvents: [RawRow]
        public let stateEvents: Int
        public let firings: [String]
        /// The offer card (`OfferFeed.card`), or why there is none.
        public let card: String
        public let logEntries: Int
    }

    public let scorer: ProfileScorer
    public let schema: ProfileSchema
    public let triggers: TriggerSpec?
    public let policy: Policy?
    public static let channels = ["in_app"]

    /// `triggersJSON` / `policyJSON`: the shipped spec and policy files' bytes (nil: the screen says they are missing).
    public init(scorer: ProfileScorer, bundle: FinliteBundle, triggersJSON: Data?, policyJSON: Data?) throws {
        guard let schema = bundle.profileSpec?.schema else { throw FinliteError.invalid("\(bundle.directory.path): the profile bundle has no schema") }
        self.scorer = scorer
        self.schema = schema
        triggers = try triggersJSON.map { try TriggerFeed.spec($0, schema: schema) }
        policy = try policyJSON.map { try Policy.parse(try StrictJSON.parse($0), schema: schema, where: "policy.json") }
    }

    /// One refresh for `user` (a `persona`) at `nowMs`, with the states and log of `store`, in `zone` (nil: the policy's).
    public func refresh(_ persona: DemoEventLog.Persona, user: String, store: OfferStore, nowMs: Int64, zone: String?) throws -> Answer {
        let history = DemoEventLog.make(persona, asOfMs: try store.anchorMs(nowMs: nowMs))
        var state = try store.profileState().map(scorer.restoreState) ?? scorer.newState()
        let fresh = try store.freshEvents(history.events, column: schema.eventTimestamp, user: user, newestMs: state.events.last?.tsMs)
        try state.setAttributes(row: history.attributes)
        for row in fresh { try state.update(row: row) }
        try store.saveProfileState(state.toBytes())

        var firings: [Firing] = []
        if let spec = triggers {
            let engine = try store.triggerState().map { try TriggerEngine(spec: spec, schema: schema, state: $0) } ?? TriggerEngine(spec: spec, schema: schema)
            firings = try TriggerFeed.feed(engine, schema: schema, rows: fresh, nowMs: nowMs)
            try store.saveTriggerState(engine.stateText())
        }
        let timed = try state.events.last.map { try scorer.score(state: state, asOfMs: max(nowMs, $0.tsMs)) }

        var card = "Offer: no policy.json (run scripts/sync_bundle.sh)\n"
        if let policy = policy {
            let request = OfferFeed.request(user: user, atMs: nowMs, trigger: firings.last?.trigger, channels: Self.channels,
                                            attributes: try OfferFeed.attributes(history.attributes, schema: schema),
                                            scores: timed.map { OfferFeed.scores($0.result) }, zone: zone)
            card = OfferFeed.card(try PolicyEngine(policy: policy, schema: schema, log: store.log).decide(request))
            try store.saveLog()
        }
        return Answer(timed: timed, newEvents: fresh, stateEvents: state.size, firings: firings.map(TriggerFeed.describe), card: card, logEntries: store.log.count)
    }
}
