import SwiftUI

/// The finlite demo: intent search and a profile screen, both on bundles copied in by
/// scripts/sync_bundle.sh. FinliteKit's sources are compiled into this target (see ../README.md).
@main
struct FinliteDemoApp: App {
    @StateObject private var demo = DemoModel()

    var body: some Scene {
        WindowGroup {
            TabView {
                SearchView(demo: demo).tabItem { Label("Search", systemImage: "magnifyingglass") }
                ProfileView(demo: demo).tabItem { Label("Profile", systemImage: "person.crop.circle") }
            }
        }
    }
}
