// libFuzzer target for OpenNebula's expression language: SCHED_REQUIREMENTS and SCHED_RANK.
//
// Each input is parsed as a requirement and as a rank. A rejected one must name a column inside the
// input; an accepted one is evaluated against a few hosts, and its negation must evaluate to the
// opposite. Broken properties trap, which libFuzzer reports as a crash and saves the input for.
import Scheduling

/// A host with the kinds of values expressions meet: numbers in every notation, text that only
/// looks like a number, wildcards, repeated elements, attributes, nesting, an empty element.
private let host: EntityElement = {
    let document = """
        <?xml version="1.0" encoding="UTF-8"?>
        <host id="7d4b6f1e-2a3c-4e5f-8a9b-0c1d2e3f4a5b" status="up" NAME="attribute-name">
          <ID>7</ID>
          <NAME>host-01.example.org</NAME>
          <FREE_CPU>800</FREE_CPU>
          <FREE_MEM>16777216</FREE_MEM>
          <RUNNING_VMS>0</RUNNING_VMS>
          <LOAD>-2.5</LOAD>
          <SCORE>1.5e3</SCORE>
          <HUGE>1e308</HUGE>
          <NEGATIVE_HUGE>-1.7976931348623157e308</NEGATIVE_HUGE>
          <TINY>5e-324</TINY>
          <BIG_INT>9223372036854775807</BIG_INT>
          <PADDED>  42  </PADDED>
          <NOT_A_NUMBER>nan</NOT_A_NUMBER>
          <INFINITE>inf</INFINITE>
          <HEX>0x1F</HEX>
          <EMPTY/>
          <UNICODE>hôte-é-日本</UNICODE>
          <WILD>a*b?[c]\\d</WILD>
          <LONG>aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab</LONG>
          <cpu><topology cores="4" sockets="2" threads="2"/><speed>2600.5</speed></cpu>
          <TEMPLATE>
            <HYPERVISOR>kvm</HYPERVISOR>
            <PCI><CLASS>0c03</CLASS><VENDOR>8086</VENDOR><DEVICE>1e31</DEVICE></PCI>
            <PCI><CLASS>0300</CLASS><VENDOR>10de</VENDOR><DEVICE>1db4</DEVICE></PCI>
          </TEMPLATE>
        </host>
        """
    do {
        return try EntityXML.parse(document)
    } catch {
        fatalError("the fixed host does not parse: \(error)")
    }
}()

/// A host with none of the names: every lookup comes back empty.
private let bareHost = EntityElement(name: "host")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    // Invalid UTF-8 becomes U+FFFD, as it would in a policy property.
    let source = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    let hosts = [host, bareHost, echoing(source)]
    checkRequirement(source, hosts)
    checkRank(source, hosts)
    // The input as a name, empty and odd path segments included.
    _ = host.values(named: String(source.prefix(64)))
    return 0
}

/// A host whose values are the input itself, so that patterns are matched against, and numbers
/// read from, text the fuzzer controls. Cut short: matching costs pattern × text steps.
private func echoing(_ source: String) -> EntityElement {
    let text = String(source.prefix(128))
    return EntityElement(
        name: "host",
        attributes: [.init(name: "id", value: text), .init(name: "NAME", value: text)],
        children: [
            EntityElement(name: "FREE_CPU", text: text),
            EntityElement(name: "TEMPLATE", children: [EntityElement(name: "PCI", text: text)]),
        ])
}

private func checkRequirement(_ source: String, _ hosts: [EntityElement]) {
    let requirement: Requirement
    do {
        requirement = try Requirement(parsing: source)
    } catch {
        checkColumn(error, source)
        return
    }
    // Fails to parse when the input is empty or already nested as deep as allowed.
    let negated = try? Requirement(parsing: "!(\(source))")
    for host in hosts {
        let satisfied = requirement.isSatisfied(by: host)
        if let negated, negated.isSatisfied(by: host) == satisfied {
            fatalError("!(\(source)) is \(satisfied) as \(source) is, for \(host)")
        }
    }
    checkLinearTime(requirement, source)
}

/// Matching must take time linear in the value: against the input repeated to 16 times the
/// length, evaluating may take at most 64 times as long (a quadratic matcher takes 256 times),
/// with slack for a clock that is coarse next to the short run.
private func checkLinearTime(_ requirement: Requirement, _ source: String) {
    guard source.contains("\""), !source.isEmpty else { return }
    func host(_ length: Int) -> EntityElement {
        var text = source
        while text.count < length { text += source }
        return echoingAll(String(text.prefix(length)))
    }
    let short = host(1024)
    let long = host(16 * 1024)
    let clock = ContinuousClock()
    func fastest(_ host: EntityElement) -> Duration {
        (0..<3).map { _ in clock.measure { _ = requirement.isSatisfied(by: host) } }.min()!
    }
    let shortTime = fastest(short)
    let longTime = fastest(long)
    if longTime > shortTime * 64 + .milliseconds(20) {
        fatalError("matching \(source) took \(longTime) for 16 K characters but \(shortTime) for 1 K: not linear")
    }
}

/// `echoing`'s host without the cut: every value is `text`.
private func echoingAll(_ text: String) -> EntityElement {
    EntityElement(
        name: "host",
        attributes: [.init(name: "id", value: text), .init(name: "NAME", value: text)],
        children: [
            EntityElement(name: "FREE_CPU", text: text),
            EntityElement(name: "TEMPLATE", children: [EntityElement(name: "PCI", text: text)]),
        ])
}

private func checkRank(_ source: String, _ hosts: [EntityElement]) {
    let rank: Rank
    do {
        rank = try Rank(parsing: source)
    } catch {
        checkColumn(error, source)
        return
    }
    let negated = try? Rank(parsing: "-(\(source))")
    for host in hosts {
        let value = rank.value(for: host)
        // Clamped values have no exact opposite: -Int.min does not fit.
        guard let negated, value != Int.max, value != Int.min else { continue }
        let negatedValue = negated.value(for: host)
        if negatedValue != -value {
            fatalError("-(\(source)) ranks \(negatedValue) where \(source) ranks \(value), for \(host)")
        }
    }
}

/// Columns count characters from 1; one past the last character is where the input ended.
private func checkColumn(_ error: ExpressionSyntaxError, _ source: String) {
    guard (1...(source.count + 1)).contains(error.column), !error.message.isEmpty else {
        fatalError("\(error) lies outside \(source.debugDescription) (\(source.count) characters)")
    }
}
