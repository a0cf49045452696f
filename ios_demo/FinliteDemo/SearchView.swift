import SwiftUI
#if canImport(FinliteKit)
import FinliteKit
#endif

/// Search box → intent: top-k labels with their confidence, the out-of-scope verdict and the latency.
struct SearchView: View {
    @ObservedObject var demo: DemoModel
    @State private var query = ""

    private let examples = ["我的卡丢了", "How do I transfer money to my mom?", "帮我transfer 500块到招商银行卡", "card lost!!! 😭🙏"]

    var body: some View {
        NavigationStack {
            List {
                Section {
                    TextField("Ask your bank…", text: $query)
                        .textInputAutocapitalization(.never)
                        .autocorrectionDisabled()
                        .onChange(of: query) { demo.classify($0) }
                    ScrollView(.horizontal, showsIndicators: false) {
                        HStack {
                            ForEach(examples, id: \.self) { text in
                                Button(text) { query = text }.buttonStyle(.bordered).font(.caption)
                            }
                        }
                    }
                }
                if let error = demo.intentError {
                    Section { Text(error).foregroundStyle(.red).font(.footnote) }
                }
                if let timed = demo.intent, !query.isEmpty {
                    let answer = timed.result
                    Section("Answer") {
                        if answer.isOutOfScope {
                            Label("Out of scope: no intent is confident enough", systemImage: "questionmark.bubble")
                                .foregroundStyle(.orange)
                        } else {
                            Label(answer.label, systemImage: "checkmark.bubble").font(.headline)
                        }
                    }
                    Section("Top \(answer.topK.count)") {
                        ForEach(answer.topK, id: \.index) { entry in
                            VStack(alignment: .leading) {
                                HStack {
                                    Text(entry.label)
                                    Spacer()
                                    Text(entry.prob, format: .percent.precision(.fractionLength(1))).monospacedDigit()
                                }
                                ProgressView(value: Double(entry.prob))
                            }
                        }
                    }
                    Section {
                        Text("\(timed.summary) · \(demo.intentArtifact)")
                            .font(.footnote).foregroundStyle(.secondary)
                    }
                }
            }
            .navigationTitle("Search")
            .toolbar {
                Picker("Precision", selection: $demo.precision) {
                    Text("fp32").tag("fp32")
                    Text("int8").tag("int8")
                }
                .pickerStyle(.segmented)
            }
        }
    }
}
