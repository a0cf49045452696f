import SwiftUI
#if canImport(FinliteKit)
import FinliteKit
#endif

/// The profile bundle on a built-in synthetic event log kept in a streaming state across restarts: lifecycle stage,
/// tag scores, top products, latency, the firings of the trigger spec (Bundles/triggers.json, docs/triggers.md), and
/// the offer the policy (Bundles/policy.json, docs/policy.md) chose with its "why" text; "Reset my profile".
struct ProfileView: View {
    @ObservedObject var demo: DemoModel
    @State private var persona = DemoEventLog.Persona.fundInvestor

    var body: some View {
        NavigationStack {
            List {
                Section("Synthetic user") {
                    Picker("Persona", selection: $persona) {
                        ForEach(DemoEventLog.Persona.allCases, id: \.self) { Text($0.rawValue).tag($0) }
                    }
                    Button("Run the profile model") { demo.scoreDemoUser(persona) }
                    Button("Reset my profile", role: .destructive) { demo.resetProfile(persona) }
                }
                if let error = demo.profileError {
                    Section { Text(error).foregroundStyle(.red).font(.footnote) }
                }
                if let note = demo.profileNote {
                    Section { Text(note).font(.footnote) }
                }
                if let answer = demo.profile {
                    Section("Offer (why am I seeing this)") {
                        Text(answer.card).font(.callout)
                        Text("exposure log: \(answer.logEntries) entries (caps hold across restarts)").font(.caption).foregroundStyle(.secondary)
                    }
                    Section("Streaming state") {
                        Text("\(answer.newEvents.count) new events, \(answer.stateEvents) in the state").font(.caption)
                    }
                }
                if let answer = demo.profile, let timed = answer.timed {
                    let prediction = timed.result
                    Section("Lifecycle stage") {
                        Text(prediction.stage).font(.headline)
                        ForEach(prediction.stageProbs.sorted { $0.value > $1.value }, id: \.key) { item in
                            row(item.key, Double(item.value))
                        }
                    }
                    Section("Tags (independent scores)") {
                        ForEach(prediction.tags.sorted { $0.key < $1.key }, id: \.key) { item in
                            row(item.key, item.value)
                        }
                    }
                    Section("Top products") {
                        ForEach(prediction.topProducts, id: \.index) { row($0.product, Double($0.prob)) }
                    }
                    Section("Triggers fired (\(answer.firings.count))") {
                        ForEach(Array(answer.firings.enumerated()), id: \.offset) { Text($0.element).font(.caption) }
                    }
                    Section("New events (\(answer.newEvents.count), newest first)") {
                        ForEach(Array(answer.newEvents.reversed().prefix(8).enumerated()), id: \.offset) { item in
                            Text(Self.cells(item.element)).font(.caption)
                        }
                    }
                    Section {
                        Text("\(timed.summary) · \(demo.profileArtifact)")
                            .font(.footnote).foregroundStyle(.secondary)
                    }
                }
            }
            .navigationTitle("Profile")
        }
    }

    /// A raw event row as `column=value` pairs (the schema's columns, whatever the bank calls them).
    private static func cells(_ row: RawRow) -> String {
        row.sorted { $0.key < $1.key }.filter { !$0.value.isEmpty }.map { "\($0.key)=\($0.value)" }.joined(separator: " · ")
    }

    private func row(_ name: String, _ value: Double) -> some View {
        VStack(alignment: .leading) {
            HStack {
                Text(name)
                Spacer()
                Text(value, format: .percent.precision(.fractionLength(1))).monospacedDigit()
            }
            ProgressView(value: value)
        }
    }
}
