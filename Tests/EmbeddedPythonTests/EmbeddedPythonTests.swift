import EmbeddedPython
import Synchronization
import Testing

private func start() throws {
    try PythonInterpreter.start()
}

/// Defines `name` in a module namespace from `source` and returns it, GIL-independent.
private func define(_ source: String, _ name: String) throws -> PythonHandle {
    try PythonInterpreter.withGIL { gil throws(PythonError) in
        let namespace = try gil.run(source, filename: "<test>")
        guard let value = try namespace.item(forKey: name) else { throw PythonError(message: "no \(name)") }
        return value.shared()
    }
}

@Suite(.serialized) struct EmbeddedPythonTests {
    @Test func stringsRoundTripThroughPythonIncludingNonASCII() throws {
        try start()
        let text = "hôte-ünïcode ✓ 🚀 \u{0}end"
        let back = try PythonInterpreter.withGIL { gil throws(PythonError) in
            try gil.string(text).stringValue()
        }
        #expect(back == text)
    }

    @Test func numbersConvertAndRefuseWhatTheyAreNot() throws {
        try start()
        try PythonInterpreter.withGIL { gil throws(PythonError) in
            #expect(try gil.int(-42).int() == -42)
            #expect(try gil.float(2.5).number() == 2.5)
            #expect(try gil.int(7).number() == 7)
            #expect(throws: PythonError.self) { try gil.bool(true).int() }
            #expect(throws: PythonError.self) { try gil.string("3").int() }
            let huge = try gil.run("value = 10 ** 30", filename: "<test>").item(forKey: "value")!
            #expect(throws: PythonError.self) { try huge.int() }
        }
    }

    @Test func exceptionsCarryTypeMessageAndPluginLine() throws {
        try start()
        let error = PythonInterpreter.withGIL { gil -> PythonError? in
            do throws(PythonError) {
                _ = try gil.run("x = 1\n\ndef f():\n    raise KeyError('missing host')\n\nf()\n", filename: "plug.py")
                return nil
            } catch {
                return error
            }
        }
        let caught = try #require(error)
        #expect(caught.typeName == "KeyError")
        #expect(caught.message == "'missing host'")
        #expect(caught.location?.file == "plug.py")
        #expect(caught.location?.line == 4)
        #expect(caught.traceback.contains("KeyError"))
    }

    @Test func syntaxErrorsPointAtTheOffendingLine() throws {
        try start()
        let error = PythonInterpreter.withGIL { gil -> PythonError? in
            do throws(PythonError) {
                _ = try gil.compile("a = 1\nb = (2,\n", filename: "broken.py")
                return nil
            } catch {
                return error
            }
        }
        let caught = try #require(error)
        #expect(caught.isSyntaxError)
        #expect(caught.location?.file == "broken.py")
        #expect((caught.location?.line ?? 0) >= 2)
    }

    @Test func poolRunsManyConcurrentCallsWithTheirOwnResults() async throws {
        try start()
        let square = try define("def square(n):\n    return n * n\n", "square")
        let pool = PythonCallPool(maxThreads: 4)
        let results = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for n in 0..<200 {
                group.addTask {
                    let value = try await pool.run(timeout: .seconds(30)) { gil in
                        try square.bind(gil).call(gil.int(n)).int()
                    }
                    return (n, value)
                }
            }
            return try await group.reduce(into: [Int: Int]()) { $0[$1.0] = $1.1 }
        }
        #expect(results.count == 200)
        #expect(results.allSatisfy { $0.value == $0.key * $0.key })
    }

    /// Polls `ended` (a Python list a call appends to in `finally`) for up to 20 s.
    private func callEnded(_ ended: PythonHandle) async throws -> Bool {
        for _ in 0..<200 {
            let count = try PythonInterpreter.withGIL { gil throws(PythonError) in try ended.bind(gil).count() }
            if count > 0 { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    @Test func aPurePythonLoopIsAnsweredAtItsDeadlineAndReallyStopped() async throws {
        try start()
        let source = """
            ended = []
            def spin():
                try:
                    while True:
                        pass
                finally:
                    ended.append(True)
            """
        let spin = try define(source, "spin")
        let pool = PythonCallPool(maxThreads: 1)
        let clock = ContinuousClock()
        let began = clock.now
        await #expect(throws: PythonCallTimeout.self) {
            try await pool.run(timeout: .seconds(1)) { gil in _ = try spin.bind(gil).call() }
        }
        #expect(clock.now - began < .seconds(20))
        // `spin` and `ended` come from separate runs of the source: look at the function's own globals.
        let ownEnded = try PythonInterpreter.withGIL { gil throws(PythonError) in
            try spin.bind(gil).attribute("__globals__").item(forKey: "ended")!.shared()
        }
        #expect(try await callEnded(ownEnded))
        // The one-thread pool got its thread back and answers.
        let answer = try await pool.run(timeout: .seconds(30)) { gil in try gil.int(41).int() + 1 }
        #expect(answer == 42)
        #expect(pool.stuckThreads == 0)
    }

    @Test func aLoopThatSwallowsTheFirstInterruptionIsInterruptedAgain() async throws {
        try start()
        let stubborn = try define(
            """
            ended = []
            def stubborn():
                try:
                    while True:
                        pass
                except BaseException:
                    pass
                try:
                    while True:
                        pass
                finally:
                    ended.append(True)
            """, "stubborn")
        let pool = PythonCallPool(maxThreads: 1)
        await #expect(throws: PythonCallTimeout.self) {
            try await pool.run(timeout: .seconds(1)) { gil in _ = try stubborn.bind(gil).call() }
        }
        let ended = try PythonInterpreter.withGIL { gil throws(PythonError) in
            try stubborn.bind(gil).attribute("__globals__").item(forKey: "ended")!.shared()
        }
        #expect(try await callEnded(ended))
    }

    @Test func aCallBlockedInCIsAbandonedAndThePoolKeepsServing() async throws {
        try start()
        let sleep = try define("import time\ndef nap():\n    time.sleep(600)\n", "nap")
        let pool = PythonCallPool(maxThreads: 1)
        await #expect(throws: PythonCallTimeout.self) {
            try await pool.run(timeout: .milliseconds(500)) { gil in _ = try sleep.bind(gil).call() }
        }
        #expect(pool.stuckThreads == 1)
        let answer = try await pool.run(timeout: .seconds(30)) { gil in try gil.string("still here").stringValue() }
        #expect(answer == "still here")
    }

    @Test func stuckThreadsNeverUseUpThePoolAndTheirCallsObserverHearsOfThem() async throws {
        try start()
        // A lock it already holds: blocked in C, where DeadlineExceeded never reaches it.
        let deadlock = try define(
            "import threading\ndef wait():\n    lock = threading.Lock()\n    lock.acquire()\n    lock.acquire()\n",
            "wait")
        let spin = try define("def spin():\n    while True:\n        pass\n", "spin")
        let observer = CountingObserver()
        let pool = PythonCallPool(maxThreads: 1)
        // More than the 32 threads after which the pool used to stop replacing stuck ones.
        // 100 ms each: a call whose deadline passes while it is still queued (a replacement
        // thread started late on a busy machine) never gets stuck, and would not be counted.
        for _ in 0..<40 {
            await #expect(throws: PythonCallTimeout.self) {
                try await pool.run(timeout: .milliseconds(100), stuck: observer) { gil in
                    _ = try deadlock.bind(gil).call()
                }
            }
        }
        // A loop in Python is interrupted, so it never counts as stuck.
        let looping = CountingObserver()
        await #expect(throws: PythonCallTimeout.self) {
            try await pool.run(timeout: .milliseconds(20), stuck: looping) { gil in _ = try spin.bind(gil).call() }
        }
        let answer = try await pool.run(timeout: .seconds(30)) { gil in try gil.int(41).int() + 1 }
        #expect(answer == 42)
        let clock = ContinuousClock()
        let giveUp = clock.now + .seconds(30)
        while observer.stuck.load(ordering: .relaxed) < 40, clock.now < giveUp {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(observer.stuck.load(ordering: .relaxed) == 40)
        #expect(observer.returned.load(ordering: .relaxed) == 0)
        #expect(looping.stuck.load(ordering: .relaxed) == 0)
        #expect(pool.stuckThreads == 40)
    }

    @Test func aBatchAnswersEachCallInOrderAndAStuckOneOnlyCostsItself() async throws {
        try start()
        let sleep = try define("import time\ndef doze():\n    time.sleep(600)\n", "doze")
        let pool = PythonCallPool(maxThreads: 1)
        let calls: [PythonCallPool.Call<String>] = [
            .init(timeout: .seconds(30)) { gil in try gil.string("first").stringValue() },
            .init(timeout: .milliseconds(500)) { gil in
                _ = try sleep.bind(gil).call()
                return "never"
            },
            .init(timeout: .seconds(30)) { gil in try gil.string("third").stringValue() },
            .init(timeout: nil) { _ in throw PythonError(message: "refused") },
        ]
        let results = await pool.runEach(calls)
        #expect(try results[0].get() == "first")
        #expect(throws: PythonCallTimeout.self) { try results[1].get() }
        #expect(try results[2].get() == "third")
        #expect(throws: PythonError.self) { try results[3].get() }
        #expect(await pool.runEach([PythonCallPool.Call<Int>]()).isEmpty)
    }

    @Test func handlesDroppedWithoutTheGILAreReleasedLater() async throws {
        try start()
        let getrefcount = try define("import sys\ngetrefcount = sys.getrefcount\n", "getrefcount")
        let target = try define("class Target: pass\ntarget = Target()\n", "target")
        func count() throws -> Int {
            try PythonInterpreter.withGIL { gil throws(PythonError) in
                try getrefcount.bind(gil).call(target.bind(gil)).int()
            }
        }
        let before = try count()
        var extra: PythonHandle? = PythonInterpreter.withGIL { gil in target.bind(gil).shared() }
        #expect(try count() == before + 1)
        // Dropped on a thread that does not hold the GIL: the decrement waits for the next GIL holder.
        extra = nil
        _ = extra
        #expect(try count() == before)
    }
}

private final class CountingObserver: StuckCallObserver {
    let stuck = Atomic<Int>(0)
    let returned = Atomic<Int>(0)
    func callStuck() { stuck.add(1, ordering: .relaxed) }
    func stuckCallReturned() { returned.add(1, ordering: .relaxed) }
}
