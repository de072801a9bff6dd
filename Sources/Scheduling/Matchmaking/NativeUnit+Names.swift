/// The built-in units' names, which no plugin unit can take (`scheduler-proxy new` refuses them).
public enum BuiltInUnits {
    public static let names: [String] = NativeUnit.allCases.map(\.rawValue)
}
