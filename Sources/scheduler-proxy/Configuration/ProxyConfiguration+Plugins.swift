import Scheduling

extension ProxyConfiguration {
    /// What the scheduling core needs of these settings.
    var pluginSettings: PluginSettings {
        var settings = PluginSettings(
            pluginsPath: pluginsPath, pluginsConfPath: pluginsConfPath, pluginTimeout: .seconds(pluginTimeout),
            requestTimeout: .seconds(requestTimeout))
        settings.scoring = scoring
        settings.policiesPath = policiesPath
        settings.maxStuckCalls = maxStuckCalls
        return settings
    }

    /// Reads one of the keys for the plugin folders, the deadlines and threads of plugin calls, how scores combine, and reloading; false when `key` is not one of them.
    mutating func readPluginsKey(
        _ key: Key, _ entry: KeyValueFile.Entry, folder: String, _ fail: (String) -> Problem
    ) throws(Problem) -> Bool {
        switch key {
        case .pluginsPath:
            pluginsPath = Self.resolve(entry.value, against: folder)
        case .pluginsConfPath:
            pluginsConfPath = Self.resolve(entry.value, against: folder)
        case .policiesPath:
            policiesPath = Self.resolve(entry.value, against: folder)
        case .pluginTimeout:
            pluginTimeout = try Self.seconds(entry, fail)
        case .pythonThreads:
            guard let value = Int(entry.value), (1...256).contains(value) else {
                throw fail("python_threads must be a number from 1 to 256, got '\(entry.value)'")
            }
            pythonThreads = value
        case .requestTimeout:
            requestTimeout = try Self.seconds(entry, fail)
        case .maxStuckCalls:
            maxStuckCalls = try Self.count(entry, 1...1000, fail)
        case .scoreReport:
            scoring.report = try Self.choice(entry, fail)
        case .scoreNormalization:
            scoring.normalization = try Self.choice(entry, fail)
        case .reloadInterval:
            reloadInterval = try Self.seconds(entry, allowingZero: "turns polling off", fail)
        default:
            return false
        }
        return true
    }
}
