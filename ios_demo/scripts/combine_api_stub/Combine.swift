// A declaration-only stand-in for the part of Apple's Combine that the demo app's DemoModel.swift uses
// (ObservableObject, @Published). test_swift.sh compiles it as a module named Combine so that DemoModel.swift is
// type-checked on Linux against FinliteKit's real API. Nothing here runs; on iOS the system's Combine is used.
public protocol ObservableObject: AnyObject {}

@propertyWrapper
public struct Published<Value> {
    public var wrappedValue: Value
    public init(wrappedValue: Value) { self.wrappedValue = wrappedValue }
}
