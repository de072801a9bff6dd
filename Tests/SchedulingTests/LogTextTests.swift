import Scheduling
import Testing

@Suite struct LogTextTests {
    @Test func shortTextIsShownAsItIs() {
        #expect(logText("host-1") == "host-1")
        #expect(logText("") == "")
        #expect(logText(String(repeating: "é", count: 128)) == String(repeating: "é", count: 128))
    }

    @Test func longTextIsCutAndSaysHowLongItWas() {
        let shown = logText(String(repeating: "x", count: 10 << 20))
        #expect(shown == String(repeating: "x", count: 256) + "…(10485760 bytes)")
        // Cut between characters, never inside one.
        let accented = logText(String(repeating: "é", count: 200))
        #expect(accented == String(repeating: "é", count: 128) + "…(400 bytes)")
        #expect(logText("abcdef", limit: 3) == "abc…(6 bytes)")
    }

    @Test func lineBreaksAndControlCharactersCannotForgeLogLines() {
        #expect(logText("a\nb\r\tc\u{1B}[2J\u{2028}") == "a\\nb\\r\\tc\\u{1b}[2J\\u{2028}")
        #expect(logText("\n\n\n\n", limit: 5) == "\\n\\n…(4 bytes)")
    }

    @Test func listsShowTheirFirstValuesEachCut() {
        #expect(logText(list: ["h1", "h2"]) == "['h1', 'h2']")
        let many = (1...8).map { "h\($0)" }
        #expect(logText(list: many) == "['h1', 'h2', 'h3', 'h4', 'h5', and 3 more]")
        #expect(logText(list: [String(repeating: "y", count: 300)], limit: 2) == "['yy…(300 bytes)']")
    }
}
