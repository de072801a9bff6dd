import OVirtREST
import Scheduling

extension ProxyConfiguration {
    /// What the REST client needs of these settings (`ovirt_*`), with the password read from its file.
    func ovirtRESTSettings(maxResponseBytes: Int) throws(OVirtRESTError) -> OVirtRESTSettings {
        OVirtRESTSettings(
            url: ovirtURL ?? "", user: ovirtUser ?? "",
            password: try OVirtRESTSettings.password(fromFile: ovirtPasswordFile ?? ""),
            caFile: ovirtCAFile, maxResponseBytes: maxResponseBytes)
    }

    /// The inventory the configuration asks for; nil when plugins get ids only.
    func makeInventory() throws -> (any Inventory)? {
        try validate()
        let limits = pluginSettings.entityLimits
        switch inventory {
        case .none:
            return nil
        case .files:
            return try FileInventory(folder: inventoryPath ?? "", limits: limits)
        case .ovirt:
            let client = try OVirtRESTClient(settings: try ovirtRESTSettings(maxResponseBytes: limits.maxBytes))
            return CachedInventory(OVirtInventory(client: client, limits: limits), ttl: .seconds(inventoryTTL))
        }
    }
}
