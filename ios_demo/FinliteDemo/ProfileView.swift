import SwiftUI
#if canImport(FinliteKit)
import FinliteKit
#endif

/// The profile bundle on a built-in synthetic event log: lifecycle stage, tag scores, top products, latency, and the
/// firings of the trigger spec (Bundles/triggers.json, docs/triggers.md) on the same log.
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
                }
                if let error = demo.profileError {
                    Section { Text(error).foregroundStyle(.red).font(.footnote) }
                }
                if let answer = demo.profile {
                    let prediction = answer.timed.result
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
                    Section("Event log (\(answer.events.count) events, newest first)") {
                        ForEach(Array(answer.events.reversed().prefix(8).enumerated()), id: \.offset) { item in
                            Text("\(item.element.eventType) · \(item.element.page) · \(item.element.product)").font(.caption)
                        }
                    }
                    Section {
                        Text("\(answer.timed.summary) · \(demo.profileArtifact)")
                            .font(.footnote).foregroundStyle(.secondary)
                    }
                }
            }
            .navigationTitle("Profile")
        }
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
