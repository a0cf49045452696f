// swift-tools-version:5.9
// FinliteKit: Foundation-only preprocessing, post-processing and bundle loading for finlite models; signature
// checks by the platform's cryptography (CryptoKit, or OpenSSL's libcrypto on Linux).
// The TensorFlow Lite runner (Sources/FinliteKit/LiteRtModelRunner.swift) compiles only where the
// `TensorFlowLite` module exists (the demo app with the TensorFlowLiteSwift pod); see ../README.md. On Linux the
// C-API runners (LiteRtCModelRunner.swift, OrtModelRunner.swift) dlopen the runtimes; finlite-latency times them.
import PackageDescription

let package = Package(
    name: "FinliteKit",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "FinliteKit", targets: ["FinliteKit"]),
        .executable(name: "finlite-latency", targets: ["FinliteLatency"]),
    ],
    targets: [
        // OpenSSL's libcrypto for the signature check on Linux (Debian: libssl-dev); CryptoKit on Apple platforms.
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", providers: [.apt(["libssl-dev"])]),
        .target(name: "FinliteKit", dependencies: [.target(name: "COpenSSL", condition: .when(platforms: [.linux]))]),
        .executableTarget(name: "FinliteLatency", dependencies: ["FinliteKit"]),
        .testTarget(name: "FinliteKitTests", dependencies: ["FinliteKit"]),
    ]
)
