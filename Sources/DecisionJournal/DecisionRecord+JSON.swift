import Scheduling

/// A decision record as the journal stores it: the same JSON as its Codable form (the keys of
/// its properties, nil members left out), so `JSONDecoder` reads it back, written straight into
/// bytes. Foundation's `JSONEncoder` took several microseconds a value, so a request over a
/// thousand hosts cost the journal's thread more CPU than the request itself.
extension DecisionRecord {
    public var journalJSON: [UInt8] {
        var json = JSONWriter()
        json.object {
            $0.member("id", id)
            $0.member("time", time)
            $0.member("method", method)
            $0.member("vm", vm)
            $0.member("hosts", hosts)
            $0.array("units", units) { json, unit in
                json.object {
                    $0.member("name", unit.name)
                    $0.member("kind", unit.kind)
                    $0.member("status", unit.status.rawValue)
                    $0.member("duration", unit.duration)
                    $0.member("error", unit.error)
                    $0.member("weight", unit.weight)
                }
            }
            $0.array("hostOutcomes", hostOutcomes) { json, outcome in
                json.object {
                    $0.member("host", outcome.host)
                    $0.member("accepted", outcome.accepted)
                    $0.array("rejections", outcome.rejections) { json, rejection in
                        json.object {
                            $0.member("unit", rejection.unit)
                            $0.member("reason", rejection.reason)
                        }
                    }
                    $0.array("scores", outcome.scores) { json, score in
                        json.object {
                            $0.member("unit", score.unit)
                            $0.member("raw", score.raw)
                            $0.member("weight", score.weight)
                            $0.member("contribution", score.contribution)
                        }
                    }
                    $0.member("total", outcome.total)
                }
            }
            if let balance {
                $0.key("balance")
                $0.object {
                    $0.member("unit", balance.unit)
                    $0.member("vm", balance.vm)
                    $0.member("candidates", balance.candidates)
                }
            }
            $0.key("answer")
            $0.object {
                $0.member("resultCode", answer.resultCode)
                $0.member("hosts", answer.hosts)
                if let costs = answer.costs {
                    $0.array("costs", costs) { json, cost in
                        json.object {
                            $0.member("host", cost.host)
                            $0.member("cost", cost.cost)
                            $0.member("unit", cost.unit)
                        }
                    }
                }
                $0.array("pluginErrors", answer.pluginErrors) { json, entry in
                    json.object {
                        $0.member("unit", entry.unit)
                        $0.member("messages", entry.messages)
                    }
                }
                $0.member("errors", answer.errors)
                $0.member("fault", answer.fault)
            }
            if let request {
                $0.key("request")
                $0.object {
                    $0.member("method", request.method)
                    $0.member("units", request.units)
                    if let weights = request.weights {
                        $0.array("weights", weights) { json, weight in json.number(weight) }
                    }
                    $0.member("hosts", request.hosts)
                    $0.member("vm", request.vm)
                    $0.key("properties")
                    $0.object {
                        for (name, value) in request.properties.sorted(by: { $0.key < $1.key }) {
                            $0.member(name, value)
                        }
                    }
                }
            }
            $0.member("duration", duration)
        }
        return json.bytes
    }
}

/// JSON written into a byte array: objects, arrays, strings (escaped as RFC 8259 asks),
/// numbers, booleans. Only what decision records need.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    /// Whether the object or array being written has a member yet (a comma goes first then).
    private var hasMember: [Bool] = []

    init() {
        bytes.reserveCapacity(1024)
    }

    mutating func object(_ members: (inout JSONWriter) -> Void) {
        bytes.append(UInt8(ascii: "{"))
        hasMember.append(false)
        members(&self)
        hasMember.removeLast()
        bytes.append(UInt8(ascii: "}"))
    }

    mutating func array<Element>(
        _ name: String, _ elements: [Element], _ write: (inout JSONWriter, Element) -> Void
    ) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        hasMember.append(false)
        for element in elements {
            separate()
            write(&self, element)
        }
        hasMember.removeLast()
        bytes.append(UInt8(ascii: "]"))
    }

    mutating func key(_ name: String) {
        separate()
        string(name)
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func member(_ name: String, _ value: String?) {
        guard let value else { return }
        key(name)
        string(value)
    }

    mutating func member(_ name: String, _ values: [String]?) {
        guard let values else { return }
        array(name, values) { json, value in json.string(value) }
    }

    mutating func member(_ name: String, _ value: Double?) {
        guard let value else { return }
        key(name)
        number(value)
    }

    mutating func member(_ name: String, _ value: Int) {
        key(name)
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func member(_ name: String, _ value: Bool?) {
        guard let value else { return }
        key(name)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// JSON has no NaN or infinity: the nearest it has (a score is finite by the time it is
    /// recorded; this only keeps the document readable).
    mutating func number(_ value: Double) {
        let finite = value.isNaN ? 0 : min(max(value, -Double.greatestFiniteMagnitude), Double.greatestFiniteMagnitude)
        bytes.append(contentsOf: finite.description.utf8)
    }

    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        // Most strings (host ids, unit names) need no escape: copied whole.
        let copied = text.withUTF8 { utf8 in
            guard !utf8.contains(where: Self.needsEscape) else { return false }
            bytes.append(contentsOf: utf8)
            return true
        }
        if !copied { escaped(text) }
        bytes.append(UInt8(ascii: "\""))
    }

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private mutating func escaped(_ text: String) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(byte)
            case 0x0A:
                bytes.append(contentsOf: #"\n"#.utf8)
            case 0x00..<0x20:
                bytes.append(contentsOf: #"\u00"#.utf8)
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0x0F)])
            default:
                bytes.append(byte)
            }
        }
    }

    private mutating func separate() {
        guard let last = hasMember.last else { return }
        if last { bytes.append(UInt8(ascii: ",")) } else { hasMember[hasMember.count - 1] = true }
    }
}
