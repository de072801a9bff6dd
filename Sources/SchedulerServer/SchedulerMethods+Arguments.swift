import XMLRPC

extension SchedulerMethods {
    /// A method's parameters, checked with messages that say which one is wrong and why.
    struct Arguments {
        let method: Method
        let values: [XMLRPCValue]

        init(method: Method, values: [XMLRPCValue]) throws(XMLRPCFault) {
            let expected = method.parameters
            let minimum = expected.count - method.optionalTrailingParameters
            // matchmake also takes one struct: a whole VM with its hosts, datastores and networks.
            let wholeVM = method == .matchmake && values.count == 1
            guard (minimum...expected.count).contains(values.count) || wholeVM else {
                let list =
                    expected.isEmpty
                    ? "no arguments" : "\(expected.count) arguments (\(expected.joined(separator: ", ")))"
                throw XMLRPCFault(
                    code: XMLRPCFault.invalidParamsCode,
                    message: "\(method.rawValue) takes \(list), got \(values.count)")
            }
            self.method = method
            self.values = values
        }

        func invalid(_ position: Int, _ what: String, _ problem: String) -> XMLRPCFault {
            XMLRPCFault(
                code: XMLRPCFault.invalidParamsCode,
                message: "\(method.rawValue) argument \(position + 1) (\(what)) \(problem)")
        }

        func string(_ position: Int, _ what: String) throws(XMLRPCFault) -> String {
            switch values[position] {
            case .string(let text): return text
            case .nil: return ""
            case .int(let number): return String(number)
            case let other: throw invalid(position, what, "must be a string, got \(other.typeName)")
            }
        }

        func strings(_ position: Int, _ what: String) throws(XMLRPCFault) -> [String] {
            guard case .array(let items) = values[position] else {
                throw invalid(position, what, "must be an array of strings, got \(values[position].typeName)")
            }
            var strings: [String] = []
            strings.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                switch item {
                case .string(let text): strings.append(text)
                case .int(let number): strings.append(String(number))
                default: throw invalid(position, what, "must hold strings, but item \(index + 1) is \(item.typeName)")
                }
            }
            return strings
        }

        func weightedNames(_ position: Int) throws(XMLRPCFault) -> [(name: String, weight: Double)] {
            let what = "[name, weight] pairs"
            guard case .array(let items) = values[position] else {
                throw invalid(position, what, "must be an array, got \(values[position].typeName)")
            }
            var pairs: [(name: String, weight: Double)] = []
            for (index, item) in items.enumerated() {
                guard case .array(let pair) = item, pair.count == 2, case .string(let name) = pair[0] else {
                    throw invalid(position, what, "item \(index + 1) must be [name, weight]")
                }
                let weight: Double? =
                    switch pair[1] {
                    case .int(let number): Double(number)
                    case .double(let number): number.isFinite ? number : nil
                    case .string(let text): Double(text.filter { !$0.isWhitespace }).flatMap { $0.isFinite ? $0 : nil }
                    default: nil
                    }
                guard let weight else {
                    throw invalid(position, what, "item \(index + 1) has a weight that is not a number: \(pair[1])")
                }
                pairs.append((name, weight))
            }
            return pairs
        }

        /// A struct of strings; "" and nil (and a missing argument) mean none.
        func properties(_ position: Int) throws(XMLRPCFault) -> [String: String] {
            guard position < values.count else { return [:] }
            switch values[position] {
            case .nil: return [:]
            case .string(let text) where text.allSatisfy(\.isWhitespace): return [:]
            case .struct(let members):
                var properties: [String: String] = [:]
                for (name, value) in members.members {
                    switch value {
                    case .string(let text): properties[name] = text
                    case .int(let number): properties[name] = String(number)
                    case .double(let number): properties[name] = String(number)
                    case .boolean(let flag): properties[name] = flag ? "true" : "false"
                    case .nil: properties[name] = ""
                    default:
                        throw invalid(
                            position, "properties", "must map names to strings, but '\(name)' is \(value.typeName)")
                    }
                }
                return properties
            case let other:
                throw invalid(position, "properties", "must be a struct of strings, got \(other.typeName)")
            }
        }

        func method(_ position: Int) throws(XMLRPCFault) -> Method {
            let name = try string(position, "method name")
            guard let method = Method(rawValue: name) else {
                throw XMLRPCFault(code: XMLRPCFault.invalidParamsCode, message: "no method named \"\(name)\"")
            }
            return method
        }
    }
}
