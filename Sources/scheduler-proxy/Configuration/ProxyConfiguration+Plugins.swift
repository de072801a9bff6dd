import Scheduling

extension ProxyConfiguration {
    /// What the scheduling core needs of these settings.
    var pluginSettings: PluginSettings {
        var settings = PluginSettings(
            pluginsPath: pluginsPath, pluginsConfPath: pluginsConfPath, pluginTimeout: .seconds(pluginTimeout),
            requestTimeout: .seconds(requestTimeout))
        settings.scoring = scoring
        settings.maxStuckCalls = maxStuckCalls
        return settings
    }
}
