import Foundation
import SchedulerServer
import Scheduling

extension ConfigurationOptions {
    /// Stops `serve` and `discover` at once when the plugin folder cannot be used: a daemon
    /// serving only its built-in units looks healthy while every plugin policy fails.
    func checkPluginFolder(_ configuration: ProxyConfiguration) throws(StartupError) {
        let path = configuration.pluginsPath
        guard let problem = PluginFolder.problem(path) else { return }
        throw StartupError(
            description: "\(setting(plugins != nil, flag: "--plugins", key: "plugins_path", path)) \(problem)")
    }

    /// Why no plugin will find its NAME.conf, or nil. Not fatal: most plugins have none.
    func confFolderWarning(_ configuration: ProxyConfiguration) -> String? {
        let path = configuration.pluginsConfPath
        guard let problem = PluginFolder.confFolderProblem(path) else { return nil }
        return
            "\(setting(pluginsConf != nil, flag: "--plugins-conf", key: "plugins_conf_path", path)) \(problem); no plugin's NAME.conf (timeout, defaultValues, customProperties) is read"
    }

    /// "plugins_path = /srv/plugins:" or "--plugins python_plugins (/work/python_plugins):",
    /// naming the setting the admin has to change and, for a relative path, where it led.
    private func setting(_ fromFlag: Bool, flag: String, key: String, _ path: String) -> String {
        let name = fromFlag ? "\(flag) \(path)" : "\(key) = \(path)"
        guard !path.hasPrefix("/") else { return name + ":" }
        let absolute = (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
        return "\(name) (\(absolute)):"
    }
}
