// A declaration-only stand-in for the part of TensorFlow Lite's Swift API (pod TensorFlowLiteSwift,
// tensorflow/lite/swift/Sources) that FinliteKit's LiteRtModelRunner.swift uses. test_swift.sh compiles it as a
// module named TensorFlowLite so that `#if canImport(TensorFlowLite)` is true and the wrapper is at least
// type-checked on Linux. Nothing here runs; the real library is only linked by the iOS app.
import Foundation

public final class Interpreter {
    public struct Options: Equatable, Hashable {
        public var threadCount: Int? = nil
        public var isXNNPackEnabled: Bool = false
        public init() {}
    }

    public var inputTensorCount: Int { fatalError("stub") }
    public var outputTensorCount: Int { fatalError("stub") }

    public init(modelPath: String, options: Options? = nil, delegates: [Delegate]? = nil) throws { fatalError("stub") }
    public func allocateTensors() throws { fatalError("stub") }
    public func invoke() throws { fatalError("stub") }
    public func input(at index: Int) throws -> Tensor { fatalError("stub") }
    public func output(at index: Int) throws -> Tensor { fatalError("stub") }
    @discardableResult
    public func copy(_ data: Data, toInputAt index: Int) throws -> Tensor { fatalError("stub") }
}

public protocol Delegate: AnyObject {}

public struct Tensor: Equatable, Hashable {
    public let name: String
    public let data: Data
}
