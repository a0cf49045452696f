// swift-tools-version:5.9
// FinliteKit: Foundation-only preprocessing, post-processing and bundle loading for finlite models.
// The TensorFlow Lite runner (Sources/FinliteKit/LiteRtModelRunner.swift) compiles only where the
// `TensorFlowLite` module exists (the demo app with the TensorFlowLiteSwift pod); see ../README.md.
import PackageDescription

let package = Package(
    name: "FinliteKit",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [.library(name: "FinliteKit", targets: ["FinliteKit"])],
    targets: [
        .target(name: "FinliteKit"),
        .testTarget(name: "FinliteKitTests", dependencies: ["FinliteKit"]),
    ]
)
