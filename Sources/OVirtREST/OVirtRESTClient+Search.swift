extension OVirtRESTClient {
    /// One `<hosts>` or `<vms>` document per batch of at most `batchSize` ids, in batch order.
    ///
    /// Ids the engine does not know are simply absent from the documents, as the engine
    /// answers a search; repeated ids are asked for once. The first failing batch fails the
    /// whole fetch and cancels the others: a partial inventory would make the scheduler
    /// treat the missing hosts as gone.
    public func fetch(_ collection: OVirtCollection, ids: [String]) async throws(OVirtRESTError) -> [[UInt8]] {
        var seen = Set<String>()
        let unique = ids.filter { seen.insert($0).inserted }
        // Whitespace would split the id into several search terms (`id=a or id=b` is a valid id
        // otherwise), so such an id cannot be asked for, and no engine id contains it.
        let unsearchable = { (id: String) in
            id.isEmpty
                || id.unicodeScalars.contains { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }
        }
        if let bad = unique.first(where: unsearchable) {
            throw OVirtRESTError(
                .invalidID,
                "cannot search the engine's \(collection.rawValue) for id '\(bad)': empty or has spaces or control characters"
            )
        }
        let requests = stride(from: 0, to: unique.count, by: settings.batchSize).map { start in
            let batch = Array(unique[start..<min(start + settings.batchSize, unique.count)])
            return SearchRequest(engine: engine, collection: collection, ids: batch)
        }
        let width = settings.maxConcurrentRequests
        let outcome = await withTaskGroup(of: (Int, Result<[UInt8], OVirtRESTError>).self) { group in
            var documents = [[UInt8]](repeating: [], count: requests.count)
            var next = 0
            func startNext() {
                let index = next
                next += 1
                group.addTask {
                    do throws(OVirtRESTError) {
                        return (index, .success(try await self.get(requests[index])))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            while next < min(width, requests.count) { startNext() }
            while let (index, result) = await group.next() {
                switch result {
                case .success(let document):
                    documents[index] = document
                    if next < requests.count { startNext() }
                case .failure(let error):
                    group.cancelAll()
                    return Result<[[UInt8]], OVirtRESTError>.failure(error)
                }
            }
            return .success(documents)
        }
        return try outcome.get()
    }

    /// The whole `<hosts>` or `<vms>` collection in one document: what status hooks and
    /// timers compare and work on.
    public func fetchAll(_ collection: OVirtCollection) async throws(OVirtRESTError) -> [UInt8] {
        try await get(SearchRequest(engine: engine, everyOf: collection))
    }
}
